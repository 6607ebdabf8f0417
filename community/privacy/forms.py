from django import forms
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

# Wrong passwords on the deletion form, per member: at most this many per window.
MAX_PASSWORD_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60


class DeleteAccountForm(forms.Form):
    """Confirm the deletion: the password (when the account has one), what becomes of the
    posts, and that the member understands it is immediate and final."""

    POSTS_CHOICES = [
        ("delete", _("Delete my posts and comments")),
        (
            "anonymise",
            _("Keep them in the conversations, signed “Membre parti·e” instead of my name"),
        ),
    ]

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    posts = forms.ChoiceField(
        label=_("What should become of your posts and comments?"),
        choices=POSTS_CHOICES,
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted at once and cannot be recovered."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def _failure_key(self) -> str:
        return f"privacy:delete-password-failures:{self.user.pk}"

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        key = self._failure_key()
        if cache.get(key, 0) >= MAX_PASSWORD_FAILURES:
            raise forms.ValidationError(
                _("Too many wrong passwords: try again in a quarter of an hour."),
                code="too_many_attempts",
            )
        if not self.user.check_password(password):
            cache.add(key, 0, FAILURE_WINDOW_SECONDS)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, FAILURE_WINDOW_SECONDS)
            raise forms.ValidationError(_("This is not your password."), code="wrong_password")
        return password

    @property
    def keep_posts(self) -> bool:
        return self.cleaned_data["posts"] == "anonymise"
