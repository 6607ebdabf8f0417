"""Demo content for Affinités: real médiathèques of the Bouches-du-Rhône, the interest
taxonomy, themed communities and a handful of demo accounts (``manage.py load_demo``)."""
