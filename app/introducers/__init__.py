"""External introducers (外部引见): partners, who introduced whom, chains and trees, yields, the leaderboard."""

from flask import Blueprint

bp = Blueprint("introducers", __name__)
# The routes are imported by create_app (app.introducers.routes): the customer area imports modules of this
# package (graph, links) and must not pull the routes, which import the customer area, in with them.
