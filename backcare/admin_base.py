"""Admin building blocks shared by the apps."""

import datetime
import html

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin import utils as admin_utils
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.urls import reverse
from django.utils.functional import Promise, cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _


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
    rows (SEARCH_CAP of a search's); past that staff narrow it with a filter or a search. `capped`
    says there are more, and the admin's pagination, search and "select all" texts say "more than
    CAP" (templates/admin/pagination.html, search_form.html, actions.html)."""

    CAP = 1_000  # 20 pages of 50: past that, staff narrow the list rather than page on
    # A search looks for someone: four pages of a common name or domain say enough, and the
    # count of one reads a slice of the table, not an index (~16 rows for each match of "Smith").
    SEARCH_CAP = 200

    def __init__(self, *args, searched: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cap = min(self.CAP, self.SEARCH_CAP) if searched else self.CAP

    @cached_property
    def _found(self) -> int:
        # Without the list's ORDER BY: Postgres may stop at cap + 1 rows in whatever order is cheapest.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._found, self.cap)

    @property
    def capped(self) -> bool:
        return self._found > self.cap


class _Column:
    """One list_display column of a FastRowsChangeList, worked out once per page: what Django's
    items_for_result works out again for every cell of every row."""

    def __init__(self, cl: "FastRowsChangeList", index: int, name, *, link: bool, first: bool):
        model_admin = cl.model_admin
        self.empty = model_admin.get_empty_value_display()
        self.link = link
        self.tag = "th" if link and first else "td"
        classes = [f"field-{admin_list._coerce_field_name(name, index)}"]
        self.field = None
        self.choices = None
        self.method = None
        try:
            self.field = admin_utils._get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, admin_utils.FieldIsAForeignKeyColumnName):
            # A column computed by the admin (Django's lookup_field looks there first).
            self.method = getattr(model_admin, name)
            self.empty = getattr(self.method, "empty_value_display", self.empty)
            self.boolean = getattr(self.method, "boolean", False)
            if name == "action_checkbox":
                classes = ["action-checkbox"]
        else:
            self.name = name
            self.related = isinstance(self.field.remote_field, models.ManyToOneRel)
            if self.field.flatchoices and not self.related:
                self.choices = dict(self.field.flatchoices)
            if isinstance(self.field, (models.DateField, models.TimeField, models.ForeignKey)):
                classes.append("nowrap")
        self.classes = classes

    @staticmethod
    def supports(cl: "FastRowsChangeList", name) -> bool:
        """A model field of the listed model, or a method of its admin: the columns this fast path
        reproduces exactly; any other (related__field, a model property, a callable) is Django's."""
        if not isinstance(name, str) or LOOKUP_SEP in name:
            return False
        try:
            field = admin_utils._get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, admin_utils.FieldIsAForeignKeyColumnName):
            return hasattr(cl.model_admin, name) and name != "__str__"
        return not field.auto_created

    def cell(self, obj, url: str | None) -> SafeString:
        nowrap = False
        if self.method is not None:
            value = self.method(obj)
            shown = admin_utils.display_for_value(value, self.empty, self.boolean)
            nowrap = isinstance(value, (datetime.date, datetime.time))
        else:
            value = getattr(obj, self.name)
            if self.related:
                shown = self.empty if value is None else value
            elif self.choices is not None:
                shown = self.choices.get(value, self.empty)
            else:
                shown = admin_utils.display_for_field(
                    value, self.field, self.empty, avoid_link=self.link
                )
        classes = " ".join([*self.classes, "nowrap"] if nowrap else self.classes)
        shown = _escape(shown)
        if url is not None:
            shown = f'<a href="{url}">{shown}</a>'
        return SafeString(f'<{self.tag} class="{classes}">{shown}</{self.tag}>')


def _escape(value) -> str:
    """django.utils.html.conditional_escape, without its lazy wrappers (3 per cell of 600)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class FastRowsChangeList(ChangeList):
    """A changelist whose rows cost a fraction of Django's: the same HTML as the admin's
    items_for_result (tests/test_triage_queue_scale.py compares them), with what is the same for
    every cell of a column worked out once per page — the field or admin method behind it, the
    choices' labels, the CSS classes, and the change page's URL with the kept filters, into which
    each row's pk goes. A 50-row queue spent ~35 ms of its ~60 ms of CPU on its rows
    (bench/README.md). Columns it does not reproduce exactly (a related__field, a model property)
    and list_editable pages get Django's own rows."""

    _PK = "0__pk__0"  # passes the change URL's path converter; replaced by each row's pk

    @cached_property
    def result_table(self) -> dict:
        """The context of admin/change_list_results.html, as Django's result_list tag makes it."""
        if (
            self.formset is not None
            or self.is_popup
            or self.to_field
            or not all(_Column.supports(self, name) for name in self.list_display)
        ):
            return admin_list.result_list(self)
        headers = list(admin_list.result_headers(self))
        return {
            "cl": self,
            "result_hidden_fields": [],
            "result_headers": headers,
            "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
            "results": self._rows(),
        }

    def _rows(self) -> list:
        columns, first = [], True
        for index, name in enumerate(self.list_display):
            if self.list_display_links is None:
                link = False
            else:
                link = (first and not self.list_display_links) or name in self.list_display_links
            columns.append(_Column(self, index, name, link=link, first=first))
            first = first and not link
        url = _escape(
            add_preserved_filters(
                {"preserved_filters": self.preserved_filters, "opts": self.opts},
                self.url_for_result_pk(self._PK),
            )
        )
        rows = []
        for obj in self.result_list:
            pk = getattr(obj, self.pk_attname)
            row_url = url.replace(self._PK, str(pk)) if isinstance(pk, int) else None
            if row_url is None:  # a pk that reverse() might write otherwise: ask it
                row_url = _escape(
                    add_preserved_filters(
                        {"preserved_filters": self.preserved_filters, "opts": self.opts},
                        self.url_for_result(obj),
                    )
                )
            rows.append(
                admin_list.ResultList(
                    None, [column.cell(obj, row_url if column.link else None) for column in columns]
                )
            )
        return rows

    def url_for_result_pk(self, pk: str) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=(pk,),
            current_app=self.model_admin.admin_site.name,
        )


class FastRowsAdmin(admin.ModelAdmin):
    """An admin whose changelist renders its rows with FastRowsChangeList."""

    change_list_template = "admin/change_list_fast_rows.html"

    def get_changelist(self, request, **kwargs):
        return FastRowsChangeList

    def action_checkbox(self, obj):
        # Django's, without a form widget rendered through the template engine for each row.
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )
