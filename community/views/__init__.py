"""Member-side views of the community app, one module per subject (thin: parse, act, render).

* `members`: onboarding, the member's profile settings, joining and leaving communities.
* `events`: registering for an event, the waiting list, cancelling.
* `posts`: posts, comments, reactions and reports in a community.
* `moderation`: a community's moderation queue, actions and log.
* `profiles`: public profiles, following, blocking, reporting a member.
* `interactions`: the "Réserver" click-through to the OPAC.
* `suggestions`: purchase suggestions and their support.
"""
