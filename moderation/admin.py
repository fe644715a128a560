"""The moderation queue, AutoMod's lists and account suspensions in the Django admin (docs/moderation.md).

Every button calls one service (moderation.services); the pages show what the selectors read.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone

from accounts.admin import UserAdmin
from config.errors import ApplicationError

from .forms import CaseActionForm, SuspendActionForm, duration_of
from .models import AutoModTerm, Case, CaseStatus, Report
from .selectors import case_context, case_history
from .services.actions import case_act, case_assign
from .services.suspensions import user_suspend, user_unsuspend
from .services.terms import term_remove, term_save

User = get_user_model()


class ReportInline(admin.TabularInline):
    model = Report
    fields = ["reporter", "category", "note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """The queue: open cases by severity and report count; each page shows the content in context, the
    target's history and the action form (moderation.services.actions.case_act)."""

    list_display = ["id", "target_kind", "target_repr", "severity", "report_count", "status", "is_automod",
                    "assigned_to", "created_at"]
    list_filter = ["status", "severity", "target_kind", "is_automod", ("assigned_to", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["target_repr", "target_user__handle", "held_text"]
    list_select_related = ["assigned_to"]
    readonly_fields = ["target_kind", "target_id", "target_repr", "target_user", "status", "severity", "report_count",
                       "is_automod", "held_text", "created_at", "updated_at", "resolved_at"]
    fields = ["assigned_to", *readonly_fields]
    inlines = [ReportInline]
    change_form_template = "admin/moderation/case/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not request.GET:  # the queue opens on what is still open
            return redirect(f"{request.path}?status__exact={CaseStatus.OPEN}")
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if "assigned_to" in form.changed_data:
            case_assign(actor=request.user, case=obj, assignee=obj.assigned_to)

    def get_urls(self):
        return [path("<int:case_id>/act/", self.admin_site.admin_view(self.act_view), name="moderation_case_act"),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = get_object_or_404(Case, pk=object_id)
        extra = {"target": case_context(case=case), "history": case_history(case=case),
                 "action_form": CaseActionForm(), "act_url": reverse("admin:moderation_case_act", args=[case.pk])}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def act_view(self, request, case_id: int):
        case = get_object_or_404(Case, pk=case_id)
        back = reverse("admin:moderation_case_change", args=[case.pk])
        form = CaseActionForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            messages.error(request, f"Pick an action and give a reason. {form.errors.as_text()}")
            return redirect(back)
        data = form.cleaned_data
        try:
            case_act(actor=request.user, case=case, action=data["action"], reason=data["reason"], scope=data["scope"],
                     duration=duration_of(data["duration"]))
        except ApplicationError as err:
            messages.error(request, err.message)
            return redirect(back)
        messages.success(request, f"Case #{case.pk}: {data['action']} done.")
        return redirect(f"{reverse('admin:moderation_case_changelist')}?status__exact={CaseStatus.OPEN}")


@admin.register(AutoModTerm)
class AutoModTermAdmin(admin.ModelAdmin):
    list_display = ["term", "normalized", "level", "community_kind", "community_id", "created_by", "created_at"]
    list_filter = ["level", "community_kind"]
    search_fields = ["term", "normalized"]
    readonly_fields = ["normalized", "created_by", "created_at"]
    fields = ["term", "level", "community_kind", "community_id", *readonly_fields]

    def save_model(self, request, obj, form, change):
        term_save(actor=request.user, term=obj)

    def delete_model(self, request, obj):
        term_remove(actor=request.user, term=obj)

    def delete_queryset(self, request, queryset):
        for term in queryset:
            term_remove(actor=request.user, term=term)


admin.site.unregister(User)


@admin.register(User)
class ModeratedUserAdmin(UserAdmin):
    """accounts' User admin, whose "Deactivate" (undone by signing in) becomes an audited suspension."""

    list_display = [*UserAdmin.list_display, "suspended_until"]
    list_filter = [*UserAdmin.list_filter, ("suspended_until", admin.EmptyFieldListFilter)]
    readonly_fields = [*UserAdmin.readonly_fields, "suspended_until", "suspension_reason"]
    fieldsets = [*UserAdmin.fieldsets, ("Suspension", {"fields": ["suspended_until", "suspension_reason"]})]
    action_form = SuspendActionForm
    actions = ["end_sessions", "suspend", "unsuspend"]

    @admin.action(description="Suspend (platform ban; reason and duration above)")
    def suspend(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, "Give a reason for the suspension.")
            return
        until = duration_of(request.POST.get("duration", ""))
        for user in queryset.exclude(pk=request.user.pk):
            user_suspend(actor=request.user, user=user,
                         until=None if until is None else timezone.now() + until, reason=reason)
        messages.success(request, f"Suspended {queryset.exclude(pk=request.user.pk).count()} account(s).")

    @admin.action(description="Lift the suspension")
    def unsuspend(self, request, queryset):
        for user in queryset.exclude(suspended_until=None):
            user_unsuspend(actor=request.user, user=user)

