"""django-allauth's own sentences, reworded for the site.

Django reads the project's catalogue (``LOCALE_PATHS``) before the apps' ones, so a msgid of
allauth translated in ``locale/fr/LC_MESSAGES/django.po`` replaces allauth's French. Listing
the msgids here, exactly as allauth's templates write them, keeps them in the catalogue when
``make messages`` runs. Nothing imports this module: ``makemessages`` only reads it.
"""

from django.utils.translation import gettext_noop as _

REWORDED = [
    _("Sign In"),
    _("Sign Up"),
    _("Remember Me"),
    _("If you have not created an account yet, then please %(link)ssign up%(end_link)s first."),
    _("Already have an account? Then please %(link)ssign in%(end_link)s."),
    _(
        "Forgotten your password? Enter your email address below, and we'll send you an "
        "email allowing you to reset it."
    ),
    _("Reset My Password"),
    _("Please contact us if you have any trouble resetting your password."),
    _(
        "We have sent you an email. If you have not received it please check your spam "
        "folder. Otherwise contact us if you do not receive it in a few minutes."
    ),
    _(
        "We have sent an email to you for verification. Follow the link provided to finalize "
        "the signup process. If you do not see the verification email in your main inbox, "
        "check your spam folder. Please contact us if you do not receive the verification "
        "email within a few minutes."
    ),
]
