"""The template callables every page uses, made cheaper per request (recovery/web/templating.py, i18n.py): they
answer exactly what Jinja's and Flask's own would."""

import pytest
from flask import render_template_string, url_for
from flask.templating import Environment
from itsdangerous import BadSignature
from jinja2 import DictLoader

from recovery.web.templating import RecoveryEnvironment, fixed_url_for


def test_translated_strings_escape_their_variables_in_html_and_not_in_text(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        html = app.jinja_env.from_string('{{ _("Request #%(id)s", id="<b>") }}').render()
        text_env = app.jinja_env.overlay(autoescape=False)
        text = text_env.from_string('{{ _("Request #%(id)s", id="<b>") }}').render()
        plural = render_template_string('{{ ngettext("We answer within %(num)d day.", '
                                        '"We answer within %(num)d days.", 3) }}')
    assert html.endswith("&lt;b&gt;") and "<b>" not in html and html != "Request #&lt;b&gt;"  # translated
    assert text.endswith("<b>")
    assert "3" in plural and "We answer" not in plural


def test_fixed_links_are_flasks_own_and_follow_the_script_root(app):
    with app.test_request_context("/"):
        assert fixed_url_for("home.index") == url_for("home.index") == "/"
        assert fixed_url_for("static", filename="css/base.css") == url_for("static", filename="css/base.css")
        assert fixed_url_for("tickets_intake.status", token="1.ab") == "/appeal/status/1.ab"
        assert fixed_url_for("static", filename="css/base.css", _external=True).endswith("://localhost/static/css/base.css")
        assert fixed_url_for("home.index", _anchor="help") == "/#help"
        assert fixed_url_for("home.index") == "/"  # what was built with options is never remembered for none
    with app.test_request_context("/", base_url="http://localhost/mounted"):
        assert fixed_url_for("home.index") == "/mounted/"
        assert fixed_url_for("static", filename="css/base.css") == "/mounted/static/css/base.css"
    with app.test_request_context("/"):
        assert fixed_url_for("home.index") == "/"


def _imports(env_class, app) -> list[str]:
    env = env_class(app, loader=DictLoader({
        "lib.html": "{% macro m() %}{{ shout() }} {{ late }} {{ extra }}{% endmacro %}",
        "page.html": '{% from "lib.html" import m %}{{ m() }}'}))
    env.globals["shout"] = lambda: "loud"
    with app.test_request_context("/"):
        seen = [env.get_template("page.html").render()]
        env.globals["late"] = "later"  # added after both were loaded
        seen.append(env.get_template("page.html").render())
        seen.append(env.from_string('{% from "lib.html" import m %}{{ m() }}', globals={"extra": "own"}).render())
    return seen


def test_an_imported_macro_file_sees_the_globals_jinja_would_give_it(app):
    assert _imports(RecoveryEnvironment, app) == _imports(Environment, app)
    assert _imports(RecoveryEnvironment, app)[2] == "loud later own"  # the page's own global reaches the macro


def test_template_globals_keys_are_the_environments(app):
    template = app.jinja_env.from_string("")
    assert set(template.globals.keys()) == set(app.jinja_env.globals) >= {"_", "url_for", "csrf_token"}


def test_the_flash_cookies_serializer_is_made_once_per_key():
    from flask import Flask

    from recovery.web.cookies import FlashSessions

    app, sessions = Flask("flashes"), FlashSessions()
    app.secret_key = "a" * 40
    first = sessions.get_signing_serializer(app)
    assert sessions.get_signing_serializer(app) is first
    signed = first.dumps({"_flashes": [("success", "Saved")]})
    app.secret_key = "b" * 40  # a new key: a new serializer, which refuses what the old key signed
    second = sessions.get_signing_serializer(app)
    assert second is not first and second.loads(second.dumps({"x": 1})) == {"x": 1}
    with pytest.raises(BadSignature):
        second.loads(signed)


def test_flask_asks_once_whether_a_hook_is_a_coroutine(app):
    def hook():
        return None

    async def coroutine():
        return "done"

    assert app.ensure_sync(hook) is app.ensure_sync(hook) is hook
    with pytest.raises(RuntimeError, match="async"):  # as Flask answers without asgiref, each time
        app.ensure_sync(coroutine)
    with pytest.raises(RuntimeError, match="async"):
        app.ensure_sync(coroutine)


def _calls(env_class, app) -> list[str]:
    """Everything a template can call, through Jinja's Context.call or recovery's shorter one."""
    from jinja2 import pass_context, pass_environment, pass_eval_context

    class Callable:
        def __call__(self, value):
            return f"object {value}"

    class WantsContext:
        @pass_context
        def __call__(self, context, value):
            return f"context-object {context['name']} {value}"

    def stops():
        raise StopIteration

    env = env_class(app, loader=DictLoader({"lib.html": "{% macro m(a, b=2) %}{{ a }}+{{ b }}{{ kwargs }}"
                                                        "{% endmacro %}{% macro c() %}[{{ caller() }}]{% endmacro %}"}))
    env.globals.update(
        plain=lambda value, **named: f"plain {value} {sorted(named.items())}",
        ctx=pass_context(lambda context, value: f"context {context['name']} {value}"),
        loop_ctx=pass_context(lambda context: context.get("item", "-")),
        eval_ctx=pass_eval_context(lambda eval_context, value: f"autoescape={eval_context.autoescape} {value}"),
        env=pass_environment(lambda environment, value: f"env {type(environment).__name__ == env_class.__name__}"),
        obj=Callable(), obj_ctx=WantsContext(), stops=stops, method="a-b".split, builtin=len)
    source = ('{% from "lib.html" import m, c %}{{ plain(1, k=2) }}|{{ ctx(3) }}|{{ eval_ctx(4) }}|{{ env(5) }}|'
              '{{ obj(6) }}|{{ obj_ctx(7) }}|{{ stops() is undefined }}|{{ method("-") }}|{{ builtin("abc") }}|'
              '{{ m(8) }}|{{ m(9, b=10) }}|{% call c() %}in{% endcall %}|'
              '{% for item in ("x", "y") %}{{ loop_ctx() }}{% endfor %}|{% set item = "z" %}{{ loop_ctx() }}')
    with app.test_request_context("/"):
        return [env.from_string(source).render(name="n")]


def test_the_shorter_context_call_answers_what_jinjas_own_does(app):
    ours = _calls(RecoveryEnvironment, app)
    assert ours == _calls(Environment, app)
    assert "context n 3" in ours[0] and "context-object n 7" in ours[0] and "|True|" in ours[0]
    assert "8+2" in ours[0] and "[in]" in ours[0] and ours[0].endswith("|z")
