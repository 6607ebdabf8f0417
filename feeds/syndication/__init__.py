"""Facebook syndication: mirror announcements and events to the network's Facebook Page.

Public surface: ``outbox.record_publication`` / ``record_removal`` / ``retry`` / ``send`` /
``resume_due``, ``targeting.targeting_spec``, ``campaigns.prepare_campaign``, the models
(``FacebookConnection``, ``Syndication``, ``FacebookInterest``, ``AdCampaign``) and the
``syndication_resume`` management command. Operator documentation: README.md here.
"""
