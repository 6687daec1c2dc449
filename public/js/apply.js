// The owner's application form, a little better with JavaScript (it works without):
// - a question shown only for an earlier answer (`.show-if`, data-show-if = the earlier
//   question's field, data-equals = the answer) appears and disappears as that answer
//   changes, instead of after saving; a question under a hidden one is hidden too;
// - a file's upload button (a separate form: a form cannot hold another) first saves what
//   was typed in the questions since the page loaded, so uploading loses none of it;
// - the receipt's 인쇄 button (hidden without JavaScript) prints.
(function () {
  'use strict';

  function answersOf(form, field) {
    var out = [];
    var els = form.querySelectorAll('[name="' + field.replace(/"/g, '\\"') + '"]');
    for (var i = 0; i < els.length; i += 1) {
      var el = els[i];
      if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) continue;
      if (el.closest('[hidden]')) continue;
      out.push(el.value);
    }
    return { present: els.length > 0, values: out };
  }

  function update(form) {
    var blocks = form.querySelectorAll('.show-if');
    // In page order: an earlier question's visibility is settled before a later one's.
    for (var i = 0; i < blocks.length; i += 1) {
      var b = blocks[i];
      var a = answersOf(form, b.getAttribute('data-show-if'));
      // The earlier question is on another step: the server's decision stands.
      if (!a.present) continue;
      var show = a.values.indexOf(b.getAttribute('data-equals')) >= 0;
      var body = b.querySelector('.show-if-body');
      var note = b.querySelector('.show-if-note');
      if (body) body.hidden = !show;
      if (note) note.hidden = show;
    }
  }

  // Save the main form's answers in the background (its own URL-encoded post; the
  // server keeps what is valid and says nothing here), then send the upload.
  function saveThenUpload(main, button) {
    var dirty = false;
    main.addEventListener('input', function () { dirty = true; });
    main.addEventListener('change', function (e) {
      if (e.target.type !== 'file') dirty = true;
    });
    button.addEventListener('click', function (e) {
      if (!dirty || !button.form) return;
      e.preventDefault();
      var body = new URLSearchParams(new FormData(main));
      fetch(main.action, { method: 'POST', body: body, credentials: 'same-origin' })
        .catch(function () {})
        .then(function () {
          dirty = false;
          if (button.form.requestSubmit) button.form.requestSubmit(button);
          else button.click();
        });
    });
  }

  function init() {
    var forms = document.querySelectorAll('form');
    for (var i = 0; i < forms.length; i += 1) {
      var form = forms[i];
      if (!form.querySelector('.show-if')) continue;
      form.addEventListener('change', update.bind(null, form));
      form.addEventListener('input', update.bind(null, form));
      update(form);
    }
    var uploads = document.querySelectorAll('button[form^="up-"]');
    for (var k = 0; k < uploads.length; k += 1) {
      var main = uploads[k].parentElement && uploads[k].parentElement.closest('form');
      if (main && main !== uploads[k].form) saveThenUpload(main, uploads[k]);
    }
    var prints = document.querySelectorAll('button[data-print]');
    for (var j = 0; j < prints.length; j += 1) {
      prints[j].hidden = false;
      prints[j].addEventListener('click', function () {
        window.print();
      });
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
