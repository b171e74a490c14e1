"""Comments in other languages: the team corrects a comment's language and adds a translation."""
