"""One table understanding: the header row(s), one vocabulary of field synonyms, columns mapped
by name and content, title and section rows, fill-down of groups; the seed layouts as small
specs on top (:mod:`.layouts`), and reading a plan from a file (:mod:`.reader`)."""
