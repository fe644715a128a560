import pytest
from django.template import Context, Template, TemplateSyntaxError


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_an_icon_is_inline_svg_from_the_vendored_sprite_and_decorative_by_default():
    html = render('{% icon "bell" %}')
    assert html.startswith('<svg class="icon"') and 'aria-hidden="true"' in html and "<path" in html


def test_a_labelled_icon_is_announced_with_its_label_escaped():
    html = render('{% icon "bell" label=text size=16 %}', text="New <b>")
    assert 'role="img" aria-label="New &lt;b&gt;"' in html and 'width="16"' in html


def test_an_unknown_icon_fails_loudly():
    with pytest.raises(TemplateSyntaxError):
        render('{% icon "no-such-icon" %}')


def test_an_old_lucide_name_draws_the_icon_it_points_at():
    assert render('{% icon "trash-2" %}') == render('{% icon "trash" %}') and "<use" not in render('{% icon "trash-2" %}')
