"""django-allauth adapters: where people land after logging in, who may sign up."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        user = request.user
        # Members (and Facebook sign-ups, which use this adapter too) are onboarded first;
        # staff working in the CMS are not forced through it.
        if (
            user.is_authenticated
            and not user.is_onboarded
            and not user.has_perm("wagtailadmin.access_admin")
        ):
            return reverse("community:onboarding")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request) -> str:
        """A new account (email or Facebook) starts with the onboarding."""
        return reverse("community:onboarding")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account emails speak as the network and link to the site (never "c'est
        127.0.0.1:8000", the Django site's name): see templates/account/email/."""
        context = {
            "network_name": settings.AFFINITES_NETWORK_NAME,
            "site_url": settings.WAGTAILADMIN_BASE_URL,
            **context,
        }
        super().send_mail(template_prefix, email, context)
