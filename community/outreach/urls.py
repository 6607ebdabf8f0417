from django.urls import path

from community.outreach import views

app_name = "outreach"

urlpatterns = [
    path("widget.js", views.widget_js, name="widget_js"),
    path("widget/api/<slug:slug>/config/", views.config, name="config"),
    path("widget/api/<slug:slug>/communes/", views.communes, name="communes"),
    path("widget/api/<slug:slug>/submit/", views.submit, name="submit"),
    path("consentement/retrait/<text:token>/", views.withdraw, name="withdraw"),
    path("consentement/confirmer/<text:token>/", views.confirm, name="confirm"),
]
