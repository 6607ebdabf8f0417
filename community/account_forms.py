"""allauth forms of the project (``ACCOUNT_FORMS``)."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, at the same cost whether the address has an account or not.

    A new address costs a password hash (the new account's); an address that already has an
    account creates nothing (its owner gets an email instead, ``ACCOUNT_PREVENT_ENUMERATION``),
    so it would answer faster by the time of one hash: the password is hashed there too, and
    thrown away.
    """

    def try_save(self, request):
        if self.account_already_exists and self.cleaned_data.get("password1"):
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)
