"""People: members, communities and memberships (later: prospects, consent, posts, moderation)."""
