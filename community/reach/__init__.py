"""Did they come to the library? The funnel, counted in aggregate, and the weekly digest's log.

- ``FunnelCount``: how many times each step of the journey (``community.journey.Step``)
  happened, per day, source, branch and interest. No person is stored: only counts.
- ``DigestDelivery``: which member got the weekly digest of which ISO week (never twice).

Public surface: ``community.reach.funnel`` (recording, attribution, reading),
``community.reach.digest_optin`` (the digest opt-in), the admin dashboard (``wagtail_hooks``).
"""
