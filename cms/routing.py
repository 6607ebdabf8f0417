"""Websocket routes of the whole site (wiring module: may import every package)."""

from django.urls import path

from feeds.consumers import MemberConsumer

websocket_urlpatterns = [
    path("ws/fil/", MemberConsumer.as_asgi()),
]
