"""The member's notifications: the list, "mark all as read", open one (marks it read)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.params import is_site_path
from community.models import Notification
from community.notifications import mark_all_read, mark_read, unread_count

PAGE_SIZE = 30


@login_required
def notification_list(request):
    notifications = Notification.objects.filter(user=request.user).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-id"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feeds/notification_list.html",
        {"page_obj": page, "unread": unread_count(request.user)},
    )


@require_POST
@login_required
def notification_mark_all_read(request):
    count = mark_all_read(request.user)
    if count:
        messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications:list")


@login_required
def notification_open(request, notification_id: int):
    notification = mark_read(request.user, notification_id)
    if notification is None:
        raise Http404
    if is_site_path(request, notification.url or ""):
        return HttpResponseRedirect(notification.url)
    return redirect("notifications:list")
