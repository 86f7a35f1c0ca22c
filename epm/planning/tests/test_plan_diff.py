"""The readable difference between plan versions, including Chinese text without spaces."""

from __future__ import annotations

from epm.planning.diff import collapse, inline_diff, line_diff, plan_diff, section_diff, tokens


def kinds(segments) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in segments]


class TestTokens:
    def test_chinese_by_character_latin_by_word(self):
        assert tokens("采用Django框架 v5.2") == [
            "采", "用", "Django", "框", "架", " ", "v5", ".", "2",
        ]  # fmt: skip

    def test_full_width_punctuation_is_its_own_token(self):
        assert tokens("目标：上线。") == ["目", "标", "：", "上", "线", "。"]


class TestInline:
    def test_chinese_edit_marks_only_the_changed_characters(self):
        segments = inline_diff(
            "项目于2025年10月启动，由王经理负责。", "项目于2026年1月启动，由李经理负责。"
        )
        assert ("del", "王") in kinds(segments) and ("ins", "李") in kinds(segments)
        assert ("del", "2025") in kinds(segments) and ("ins", "2026") in kinds(segments)
        assert ("equal", "月启动，由") in kinds(segments)
        old = "".join(s.text for s in segments if s.kind != "ins")
        new = "".join(s.text for s in segments if s.kind != "del")
        assert old == "项目于2025年10月启动，由王经理负责。"
        assert new == "项目于2026年1月启动，由李经理负责。"

    def test_english_words_stay_whole(self):
        assert kinds(inline_diff("The quick brown fox", "The quick red fox")) == [
            ("equal", "The quick "),
            ("del", "brown"),
            ("ins", "red"),
            ("equal", " fox"),
        ]


class TestLines:
    def test_added_removed_and_changed_lines(self):
        old = "第一行\n第二行保持\n第三行删除"
        new = "第一行改了\n第二行保持\n新增一行"
        rows = line_diff(old, new)
        assert [r.kind for r in rows] == ["change", "equal", "delete", "insert"]
        assert ("ins", "改了") in kinds(rows[0].segments)

    def test_a_rewritten_line_is_shown_removed_and_added(self):
        rows = line_diff("系统可用性目标", "Budget: 100 万元 total")
        assert [r.kind for r in rows] == ["delete", "insert"]

    def test_long_unchanged_runs_are_collapsed(self):
        old = "\n".join(f"第{i}行" for i in range(20))
        new = old.replace("第10行", "第10行（已修改）")
        rows = collapse(line_diff(old, new))
        assert [r.kind for r in rows] == [
            "skip",
            "equal",
            "equal",
            "change",
            "equal",
            "equal",
            "skip",
        ]
        assert rows[0].count == 8 and rows[-1].count == 7


class TestSections:
    def test_unchanged_section_is_one_folded_row(self):
        diff = section_diff("scope", "项目范围", "甲\n乙", "甲\n乙")
        assert not diff.changed and [r.kind for r in diff.lines] == ["skip"]

    def test_plan_diff_in_plan_order_with_counts(self):
        sections = [("background", "项目背景"), ("scope", "项目范围"), ("risk", "风险")]
        diff = plan_diff(
            sections,
            {"background": "背景", "scope": "范围A"},
            {"background": "背景", "scope": "范围B\n新增", "risk": "新风险"},
        )
        assert [(d.code, d.changed) for d in diff] == [
            ("background", False),
            ("scope", True),
            ("risk", True),
        ]
        assert (diff[1].added, diff[1].removed) == (2, 1)
        assert diff[2].lines[0].kind == "insert"
