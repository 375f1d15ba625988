"""The form kit (recovery/web/form_kit.py, imported through templates/_forms.html): what each piece writes, as
the macros it replaced wrote it: labelled inputs, errors beside them and linked from the summary, typed values
kept (never a password, a code or a file), extra keywords as attributes, every value escaped."""

from flask import render_template_string
from werkzeug.datastructures import MultiDict

IMPORT = '{% from "_forms.html" import csrf, hidden, submit, error_summary, field, textarea, choice, select, ' \
         'code_field, password_field, email_field %}'


def render(app, source: str, **values) -> str:
    with app.test_request_context("/"):
        return render_template_string(IMPORT + source, **values)


def test_a_field_is_labelled_keeps_what_was_typed_and_escapes_it(app):
    html = render(app, '{{ field(form, none, "name", "Your <name>", hint="As on your ID", maxlength=40, '
                       'required=true, spellcheck=false, auto_complete=none, input_mode="text") }}',
                  form=MultiDict({"name": 'a"<b>'}))
    assert html.startswith("<label>Your &lt;name&gt;\n    <span class=\"hint\">As on your ID</span>")
    assert '<input type="text" name="name" id="name" value="a&#34;&lt;b&gt;" maxlength="40" required ' \
           'input-mode="text">' in html
    assert "spellcheck" not in html and "auto" not in html and "aria-invalid" not in html


def test_a_field_with_errors_points_at_them_and_the_summary_links_to_it(app):
    errors = {"email": ["Enter an address.", "<Too> long."], "_schema": ["hidden"], "nested": {"a": ["b"]}}
    html = render(app, '{{ error_summary("Check the form.", errors) }}{{ email_field(form, errors) }}',
                  form=MultiDict({"email": "x@"}), errors=errors)
    assert '<p class="flash error" role="alert">Check the form.</p>' in html
    assert '<ul class="errors summary"><li><a href="#email">Enter an address. &lt;Too&gt; long.</a></li></ul>' in html
    assert "_schema" not in html and "#nested" not in html
    assert 'id="email" value="x@" autocomplete="email" required aria-invalid="true" ' \
           'aria-describedby="email-errors">' in html
    assert '<ul class="errors" id="email-errors"><li>Enter an address.</li><li>&lt;Too&gt; long.</li></ul>' in html
    assert render(app, '{{ error_summary(none, errors) }}', errors=errors) == ""


def test_passwords_codes_and_files_are_never_written_back(app):
    form = MultiDict({"password": "hunter2", "code": "123456", "evidence": "f.png"})
    html = render(app, '{{ password_field("password", "Password", none, "current-password") }}'
                       '{{ code_field(none, "Code", digits=true) }}'
                       '{{ field(form, none, "evidence", "Files", type="file") }}', form=form)
    assert "hunter2" not in html and "123456" not in html and "f.png" not in html
    assert 'type="password" name="password" id="password" autocomplete="current-password" required>' in html
    assert 'inputmode="numeric" autocomplete="one-time-code" required maxlength="16">' in html


def test_a_text_area_keeps_its_text_and_a_choice_its_class_and_state(app):
    html = render(app, '{{ textarea(form, none, "message", "Message", rows=4, id="m1") }}'
                       '{{ choice("score", 3, 3, true, type="radio", class="inline", required=true) }}'
                       '{{ choice("agree", "yes", "I <agree>") }}', form=MultiDict({"message": "line 1\n<b>"}))
    assert '<textarea name="message" id="m1" rows="4">line 1\n&lt;b&gt;</textarea>' in html
    assert '<label class="choice inline"><input type="radio" name="score" value="3" checked required> 3</label>' in html
    assert '<label class="choice"><input type="checkbox" name="agree" value="yes"> I &lt;agree&gt;</label>' in html


def test_buttons_hidden_values_and_the_csrf_token(app):
    with app.test_request_context("/"):
        html = render_template_string(IMPORT + '{{ csrf() }}|{{ csrf("given") }}|{{ hidden("next", none) }}'
                                      '{{ hidden("q", "<x>") }}|{{ submit("Go <now>", "link secondary", '
                                      'formaction="/a?b=1&c=2", disabled=true) }}{{ submit("Plain") }}')
        from recovery.web.csrf import csrf_token
        token = csrf_token()
    assert html.startswith(f'<input type="hidden" name="csrf_token" value="{token}">|')
    assert '<input type="hidden" name="csrf_token" value="given">' in html
    assert '<input type="hidden" name="next" value=""><input type="hidden" name="q" value="&lt;x&gt;">' in html
    assert '<button type="submit" class="link secondary" formaction="/a?b=1&amp;c=2" disabled>Go &lt;now&gt;</button>' \
           '<button type="submit">Plain</button>' in html


def test_the_select_macro_still_uses_the_kits_label_and_attributes(app):
    html = render(app, '{% call(q) select(form, errors, "queue", "Queue", ("a", "b"), hint="Pick", '
                       'data_x="1") %}Q{{ q }}{% endcall %}',
                  form=MultiDict({"queue": "b"}), errors={"queue": ["Choose one."]})
    assert '<label>Queue\n    <span class="hint">Pick</span>' in html
    assert '<select name="queue" id="queue" data-x="1" aria-invalid="true" aria-describedby="queue-errors">' in html
    assert '<option value="b" selected>Qb</option>' in html and 'id="queue-errors"' in html
