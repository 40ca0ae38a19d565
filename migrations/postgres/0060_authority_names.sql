-- The names an authority has registered, for the similar-name check of a registration
-- (issue 26): the check walked the postings of the name's rarest two characters and looked
-- every organization up for its authority (25,187 for 互助 at a million organizations, 4 ms a
-- check, for 8 names of a 297-organization authority). With the authority's names in an index
-- the check reads whichever is smaller, the authority's names or the gram's postings.
-- Organizations without an authority (imported, never registered here) are never compared.
CREATE INDEX organizations_authority_names ON organizations (authority_id, name_norm)
    WHERE authority_id IS NOT NULL;
