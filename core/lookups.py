"""`field__any_of=[...]`: membership in a long list, sent as one array parameter.

`field__in=[...]` writes a placeholder per value: with thousands of values (a chunk of an
import, a bulk request) building and parsing that query costs more than running it.
`field = ANY(%s)` with the list as one PostgreSQL array is the same test, and uses the
same indexes.
"""

from __future__ import annotations

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list:
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # foreign keys have lookups of their own
