"""Admin building blocks shared by the apps."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record nobody may add, change or delete through the admin (audit trails, signed reviews):
    it is written by the code path that owns it, and staff only read it here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CappedCountPaginator(Paginator):
    """Counts the matching rows only up to CAP: a list of a million rows, or a search for a common
    name or domain over all of them, then costs one read of at most CAP + 1 rows, not of every row
    (bench/README.md, "Admin at 1,000,000 requests"). The list still pages through the first CAP
    rows; past that staff narrow it with a filter or a search. `capped` says there are more, and the
    admin's pagination, search and "select all" texts say "more than CAP"
    (templates/admin/pagination.html, search_form.html, actions.html)."""

    CAP = 1_000  # 20 pages of 50: past that, staff narrow the list rather than page on

    @cached_property
    def _found(self) -> int:
        # Without the list's ORDER BY: Postgres may stop at CAP + 1 rows in whatever order is cheapest.
        return self.object_list.order_by().values("pk")[: self.CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._found, self.CAP)

    @property
    def capped(self) -> bool:
        return self._found > self.CAP
