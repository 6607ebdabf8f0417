"""Reaching non-users: the partner-site questionnaire (widget), prospects and consent records.

Public surface for other packages: :mod:`community.outreach.consents` (give, withdraw and
query consent records) and the models in :mod:`community.outreach.models`.
"""
