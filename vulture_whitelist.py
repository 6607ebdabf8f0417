"""Names vulture cannot see used (make lint): model and form fields, dataclass fields
read by templates, methods and classes that Django, Wagtail, Channels, allauth or the
settings call by name, imports that connect receivers, lru_cache key arguments. Not
executed: vulture only reads it (regenerate the candidates with `vulture --make-whitelist`)."""

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# cms/blocks.py
_.attribution
_.closes
_.embed
_.note
_.paragraph
# cms/catalogue/__init__.py
_.__getattr__
# cms/catalogue/admin_search.py
_._refresh_title_norms
_.add_item
_.add_items
_.add_model
_.delete_item
_.delete_stale_entries
_.full
_.get_key
# cms/devconsole.py
_.QuietBackgroundFilter
_.send_messages
# cms/error_pages.py
_.csrf_failure  # CSRF_FAILURE_VIEW
# cms/links.py
_.app_configs
# cms/models/branches.py
_.phone
# cms/models/catalogue.py
_.updated_at
# cms/models/library_pages.py
_.series_key
_.signup_info
# cms/models/pages.py
_.tagline
# cms/serving/checks.py
_.app_configs
# cms/serving/unavailable.py
_.COOKIES
# community/actions/moderation.py
_.held_reason
_.lifted_by
_.pinned_by
_.resolved_at
_.resolved_by
# community/actions/posts.py
_.held_reason
_.is_placeholder
# community/adapters.py
_.get_signup_redirect_url
# community/allauth_phrases.py
_.REWORDED
# community/apps.py
_.context_processors
_.receivers
# community/context_processors.py
_.site_navigation
# community/demo/loader.py
_.draft_title
# community/forms.py
_.taxonomy
# community/models/communities.py
_.joined_at
# community/models/events.py
_.reminded_at
_.updated_at
# community/models/lists.py
_.added_at
# community/models/members.py
_.is_public
# community/models/moderation.py
_.HARASSMENT
_.HATE
_.INAPPROPRIATE
_.PERSONAL_DATA
_.SPAM
_.created_by
_.lifted_by
_.resolved_at
_.resolved_by
# community/models/posts.py
_.held_reason
_.pinned_by
# community/names.py
_.user_display
# community/outreach/actions.py
_.merged_into
# community/outreach/models.py
_.merged_into
_.spent_at
# community/outreach/views.py
_.mtime
# community/post_forms.py
_.network
_.target_id
# community/privacy/erasure.py
_.comments_kept
_.posts_deleted
_.posts_kept
_.sessions_ended
_.texts_redacted
# community/privacy/register.py
_.data_categories
_.legal_basis
_.retention
# community/reach/models.py
_.entry_count
_.sent_at
# community/tasks.py
_.reminded_at
# community/templatetags/community_life.py
_.my_interested
_.my_like
# community/templatetags/event_tags.py
_.login_url
# community/wagtail_hooks.py
_.view_name
# feeds/consumers.py
_.disconnect
_.member_event
# feeds/digest.py
_.entry_count
_.sent_at
# feeds/entry_links.py
_.script_prefix
_.secret_key
# feeds/feed/cards.py, feeds/feed/reading.py
_.is_first
_.more_sessions
_.other_sessions
# feeds/layers.py
_.LocalChannelLayer
# feeds/recommendations/__init__.py
_.signals
# feeds/recommendations/evaluation.py
_.coverage
_.hit_rate
_.novelty
_.precision
_.recall
_.ms_per_member
# feeds/store/__init__.py
_.__getattr__
# feeds/store/database.py
_.recount
# feeds/syndication/connection.py
_.broken_at
_.broken_detail
_.verified_at
# feeds/syndication/forms.py
_.verified_at
# feeds/syndication/graph.py
_.error_type
# feeds/syndication/models.py
_.APP_REMOVED
_.CHECKPOINT
_.EXPIRED
_.INVALID
_.PASSWORD_CHANGED
_.UNDECRYPTABLE
_.broken_at
_.broken_detail
_.claimed_at
_.created_by
_.error_subcode
_.lease_expires_at
_.sent_at
_.updated_at
_.verified_at
# feeds/templatetags/feed_tags.py
_.tzname
# search/backends/base.py
_.catalogue_only
# search/backends/es_documents.py
_.available_branch_ids
_.location
# search/forms.py
_.annee
_.disponible
_.interet
_.langue
_.mediatheque
_.to_python
_.tri
# search/models.py
_.AUTHOR
_.COMMUNITY
_.INTEREST
_.TITLE
_.available_branch_ids
# cms/catalogue/admin_search.py (Wagtail's viewset attributes)
_.filter_form_class
_.choose_view_class
_.choose_results_view_class
_.search_queryset
# cms/wagtail_hooks.py (Wagtail's snippet viewset attributes)
_.index_view_class
_.chooser_viewset_class
# cms/observability, cms/serving (named in the settings: LOGGING, CACHES, TASKS)
_.RequestIdFilter
_.logging_config
_.TolerantRedisCache
_.RQBackendWithFallback
# feeds/fediverse/models.py (model fields shown in the admin)
_.followed_at
_.last_error
# search/backends (Elasticsearch / Wagtail backend interfaces)
_.CONFIG
_.get_index_for_model
_.autocomplete
# community/suggestion_admin.py (Wagtail's viewset and view hooks)
_.get_base_queryset
_.edit_view_class
_.export_headings
_.get_form_class
_.for_update
_.merge_into
_.save_instance
# community/models/suggestions.py (model fields shown in the admin)
_.suggested_by
_.status_changed_at
# cms/params.py (path converters' interface), cms/wagtail_hooks.py (Wagtail viewset attribute)
_.to_url
_.regex
_.search_backend_name
# the open API (cms/api, community/api, feeds/api.py, search/api.py): ninja calls the
# throttle's and the bearer auth's methods; response schema fields are read by pydantic
_.allow_request
_.authenticate
_.token_scope
_.event_title
_.event_url
_.registered_at
_.marked
_.model_config
_.toggle_url
_.corrected_query
_.ignored
# community/reach/models.py (LibraryUse: read by Max("imported_at") in library_use.py)
_.imported_at
# community/agenda.py (form fields read through cleaned_data and the query string; a day's
# flag read by the templates)
_.vue
_.du
_.au
_.pres
_.rayon
_.acces
_.passes
_.is_today
# community/my_library.py (read by templates/community/my_library.html)
_.reminder_at
_.today_slots
_.closed_today
_.next_events
# cms/prefetching.py (the page pictures' spec written in templates/includes/page_image.html,
# named here beside the others)
_.PAGE_IMAGE_SPECS
# community/models/topics.py (shown in the member's data export), community/post_forms.py
# (a form field read through cleaned_data)
_.last_read_at
_.categorie
# feeds/feed/cards.py (read by templates/feeds/includes/feed_cards.html)
_.picture
_.picture_kind
# cms/models/catalogue.py (written and filtered through keyword lookups in cms/catalogue/covers.py)
_.cover_checked_at
_.cover_outcome
# search/backends/framework.py (a Django lookup and a Func: the ORM reads these by name)
_.lookup_name
_.as_sql
_.function
_.arg_joiner
_.output_field
