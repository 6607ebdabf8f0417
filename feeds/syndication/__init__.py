"""Syndication: one outbox (``Syndication``) whose rows mirror a page to a destination, the
network's Facebook Page (here) or the Fediverse (``feeds.fediverse.outbox``).

Public surface: ``outbox.record_publication`` / ``record_removal`` / ``retry`` / ``cancel`` /
``send`` / ``resume_due`` (Facebook), ``destinations.retry`` / ``cancel`` (either), ``targeting.targeting_spec``, ``campaigns.prepare_campaign``, the models
(``FacebookConnection``, ``Syndication``, ``FacebookInterest``, ``AdCampaign``) and the
``syndication_resume`` management command. Operator documentation: README.md here.
"""
