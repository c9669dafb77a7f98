"""The shared machinery every area uses: configuration, extensions, the request's language and time,
page-or-fragment rendering, access scoping and policies, masking and encryption, audit, errors, headers."""
