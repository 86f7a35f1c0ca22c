"""Approver rules resolved against the shared test company (conftest.company)."""

from __future__ import annotations

import pytest

from epm.approvals.resolution import (
    ApproverRule,
    SelfApproval,
    apply_self_approval,
    resolve_approvers,
)
from epm.core.errors import ApplicationError
from epm.core.models import OrgRole
from epm.core.services import department_update, user_update


def rule(**data):
    return ApproverRule.from_data(data)


@pytest.mark.django_db
class TestResolution:
    def test_project_roles(self, company, project):
        assert resolve_approvers(
            rule(kind="project_role", role="pm"), project=project, submitter=company.pmo
        ) == [company.pm]
        assert resolve_approvers(
            rule(kind="project_role", role="account_manager"),
            project=project,
            submitter=company.pmo,
        ) == [company.am]

    def test_missing_project_role_is_a_clear_error(self, company, project):
        with pytest.raises(ApplicationError) as exc:
            resolve_approvers(
                rule(kind="project_role", role="assistant"), project=project, submitter=company.pm
            )
        assert exc.value.code == "no_approver"
        assert exc.value.detail == {"rule": {"kind": "project_role", "role": "assistant"}}

    def test_big_project_manager(self, company, make_project, approve_all):
        big = make_project(name="智慧校园", is_big_project=True, appoint=False)
        from epm.projects.services import project_appoint_pm

        project_appoint_pm(actor=company.pmo, project=big, pm=company.member)
        approve_all(big)
        child = make_project(name="一卡通", parent=big)
        r = rule(kind="project_role", role="big_project_manager")
        assert resolve_approvers(r, project=child, submitter=company.pm) == [company.member]
        with pytest.raises(ApplicationError):
            resolve_approvers(r, project=big, submitter=company.pm)

    def test_department_heads_level_by_level(self, company, project):
        department_update(actor=company.admin, department=company.root, head=company.president)
        of_project = rule(kind="department_head", of="project", levels=0)
        one_up = rule(kind="department_head", of="project", levels=1)
        of_submitter = rule(kind="department_head", of="submitter", levels=0)
        assert resolve_approvers(of_project, project=project, submitter=company.pm) == [
            company.head
        ]
        assert resolve_approvers(one_up, project=project, submitter=company.pm) == [
            company.president
        ]
        assert resolve_approvers(of_submitter, project=project, submitter=company.stranger) == [
            company.other_head
        ]

    def test_org_role_and_named_users(self, company, project):
        assert resolve_approvers(
            rule(kind="org_role", role=OrgRole.PRESIDENT), project=project, submitter=company.pm
        ) == [company.president]
        with pytest.raises(ApplicationError) as exc:
            resolve_approvers(
                rule(kind="org_role", role=OrgRole.AFTER_SALES),
                project=project,
                submitter=company.pm,
            )
        assert exc.value.code == "no_approver"
        named = rule(kind="users", user_ids=[company.head.pk, company.member.pk])
        assert resolve_approvers(named, project=project, submitter=company.pm) == [
            company.head,
            company.member,
        ]
        user_update(actor=company.admin, user=company.member, is_active=False)
        with pytest.raises(ApplicationError):
            resolve_approvers(named, project=project, submitter=company.pm)

    @pytest.mark.parametrize(
        "data",
        [
            {"kind": "boss"},
            {"kind": "project_role", "role": "king"},
            {"kind": "org_role", "role": "emperor"},
            {"kind": "department_head", "levels": -1},
            {"kind": "department_head", "levels": 99},
            {"kind": "department_head", "levels": True},
            {"kind": "department_head", "of": "neighbour"},
            {"kind": "users", "user_ids": []},
            {"kind": "users", "user_ids": ["1"]},
            "pm",
        ],
    )
    def test_bad_rules_are_refused(self, data):
        with pytest.raises(ApplicationError) as exc:
            ApproverRule.from_data(data)
        assert exc.value.code == "invalid_approver_rule"

    def test_rules_round_trip_as_data(self):
        for data in [
            {"kind": "project_role", "role": "pm"},
            {"kind": "department_head", "of": "submitter", "levels": 2},
            {"kind": "org_role", "role": "finance"},
            {"kind": "users", "user_ids": [3, 5]},
        ]:
            assert ApproverRule.from_data(data).to_data() == data


@pytest.mark.django_db
class TestSelfApproval:
    def test_allow_skip_escalate(self, company):
        department_update(actor=company.admin, department=company.root, head=company.president)
        approvers = [company.head, company.member]
        assert (
            apply_self_approval(approvers, submitter=company.head, policy=SelfApproval.ALLOW)
            == approvers
        )
        assert apply_self_approval(approvers, submitter=company.head, policy=SelfApproval.SKIP) == [
            company.member
        ]
        # the head of 软件开发部 submits: their own head is themself, so it goes one level up
        assert apply_self_approval(
            approvers, submitter=company.head, policy=SelfApproval.ESCALATE
        ) == [company.member, company.president]

    def test_escalation_with_nobody_above_is_an_error(self, company):
        department_update(actor=company.admin, department=company.root, head=None)
        with pytest.raises(ApplicationError) as exc:
            apply_self_approval(
                [company.head], submitter=company.head, policy=SelfApproval.ESCALATE
            )
        assert exc.value.code == "no_approver"

    def test_submitter_not_among_approvers_changes_nothing(self, company):
        approvers = [company.head]
        assert (
            apply_self_approval(approvers, submitter=company.pm, policy=SelfApproval.SKIP)
            == approvers
        )


@pytest.mark.django_db
def test_a_department_without_a_head_answers_to_the_nearest_head_above(company, make_project):
    # given a team under 软件开发部 without a head of its own, and a project of that team
    from epm.core.services import department_create

    team = department_create(actor=company.admin, code="team", name="研发一组", parent=company.tech)
    project = make_project(department=team)
    head_rule = rule(kind="department_head", of="project", levels=0)
    # then its head is the head of 软件开发部, and one level up the president
    assert resolve_approvers(head_rule, project=project, submitter=company.pm) == [company.head]
    assert resolve_approvers(
        rule(kind="department_head", of="project", levels=1), project=project, submitter=company.pm
    ) == [company.head]
    # and with no head anywhere above, it is a clear error
    department_update(actor=company.admin, department=company.tech, head=None)
    department_update(actor=company.admin, department=company.root, head=None)
    with pytest.raises(ApplicationError) as exc:
        resolve_approvers(head_rule, project=project, submitter=company.pm)
    assert exc.value.code == "no_department_head"
