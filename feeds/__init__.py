"""Distribution: feeds, fan-out, notifications and websockets, syndication."""
