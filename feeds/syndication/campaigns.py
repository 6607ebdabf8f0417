"""“Préparer une campagne”: campaign, ad set, creative and ad, all PAUSED.

Nothing is spent until someone reviews the campaign in Ads Manager and activates it.
Each step stores its id as soon as Facebook returns it, so a retry resumes where the
previous attempt stopped instead of creating a second campaign.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cms.transactions import on_commit_enqueue

from .content import build_post
from .forms import graph_error_text
from .graph import GraphError
from .models import AdCampaign, FacebookConnection, TokenUnavailable
from .targeting import targeting_spec

logger = logging.getLogger("feeds.syndication")


def prepare_campaign(page, *, user=None, radius_km: int | None = None) -> AdCampaign:
    """Record the campaign to prepare (targeting snapshot) and enqueue it on commit."""
    from .tasks import prepare_ad_campaign

    connection = FacebookConnection.load()
    with transaction.atomic():
        campaign = AdCampaign.objects.create(
            page=page,
            page_title=page.title[:255],
            ad_account_id=connection.ad_account_id,
            radius_km=radius_km or settings.FACEBOOK_TARGETING_RADIUS_KM,
            targeting=targeting_spec(page, radius_km=radius_km),
            created_by=user,
        )
        on_commit_enqueue(prepare_ad_campaign, campaign.pk)
    return campaign


def retry_campaign(campaign: AdCampaign) -> bool:
    from .tasks import prepare_ad_campaign

    with transaction.atomic():
        changed = AdCampaign.objects.filter(pk=campaign.pk, status=AdCampaign.Status.FAILED).update(
            status=AdCampaign.Status.PENDING, error_message="", updated_at=timezone.now()
        )
        if changed:
            on_commit_enqueue(prepare_ad_campaign, campaign.pk)
    return bool(changed)


def _creative(campaign: AdCampaign, connection: FacebookConnection, name: str) -> dict:
    from .outbox import current_post

    post = current_post(campaign.page_id) if campaign.page_id else None
    if post is not None:
        return {"name": name, "object_story_id": post.post_id}
    page = campaign.page.specific
    content = build_post(page, marker=f"ad{campaign.pk}")
    return {
        "name": name,
        "object_story_spec": {
            "page_id": connection.page_id,
            "link_data": {"link": content.link, "message": content.message, "name": page.title},
        },
    }


def run_campaign(campaign_pk: int) -> str:
    campaign = AdCampaign.objects.select_related("page").filter(pk=campaign_pk).first()
    if campaign is None or campaign.status != AdCampaign.Status.PENDING:
        return "nothing-to-do"
    connection = FacebookConnection.load()
    account = campaign.ad_account_id or connection.ad_account_id
    name = f"Affinités — {campaign.page_title}"[:200]

    def store(**fields) -> None:
        fields["updated_at"] = timezone.now()
        AdCampaign.objects.filter(pk=campaign.pk).update(**fields)
        for key, value in fields.items():
            setattr(campaign, key, value)

    try:
        if not account:
            raise ValueError("no ad account")
        client = connection.ads_client()
        if not campaign.campaign_id:
            store(
                campaign_id=client.create_ad_object(
                    account,
                    "campaigns",
                    {
                        "name": name,
                        "objective": "OUTCOME_TRAFFIC",
                        "status": "PAUSED",
                        "buying_type": "AUCTION",
                        "special_ad_categories": [],
                    },
                )
            )
        if not campaign.adset_id:
            adset = {
                "name": name,
                "campaign_id": campaign.campaign_id,
                "daily_budget": settings.FACEBOOK_AD_DAILY_BUDGET,
                "billing_event": "IMPRESSIONS",
                "optimization_goal": "LINK_CLICKS",
                "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
                "targeting": campaign.targeting,
                "status": "PAUSED",
            }
            end = getattr(campaign.page.specific, "start", None) if campaign.page else None
            if end is not None and end > timezone.now():
                adset["end_time"] = end.isoformat()
            store(adset_id=client.create_ad_object(account, "adsets", adset))
        if not campaign.creative_id:
            store(
                creative_id=client.create_ad_object(
                    account, "adcreatives", _creative(campaign, connection, name)
                )
            )
        if not campaign.ad_id:
            store(
                ad_id=client.create_ad_object(
                    account,
                    "ads",
                    {
                        "name": name,
                        "adset_id": campaign.adset_id,
                        "creative": {"creative_id": campaign.creative_id},
                        "status": "PAUSED",
                    },
                )
            )
    except GraphError as exc:
        store(status=AdCampaign.Status.FAILED, error_message=graph_error_text(exc))
        return "failed"
    except (TokenUnavailable, ValueError) as exc:
        store(status=AdCampaign.Status.FAILED, error_message=str(exc))
        return "failed"
    store(status=AdCampaign.Status.READY, error_message="")
    logger.info("Campaign %s prepared (PAUSED): %s", campaign.pk, campaign.campaign_id)
    return "ready"
