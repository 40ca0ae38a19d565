// The server's text rule (domain::text, checked again by CsrfForm on every form) run in the
// browser before a form is sent, so a value that would be refused is shown as a field error in
// the form, with everything typed still in place. Progressive enhancement: without script the
// server refuses the form with a 422 page that saves nothing.
(() => {
  const body = document.body;
  const messages = {
    control: body.dataset.checkControl,
    encoding: body.dataset.checkEncoding,
    tooLong: body.dataset.checkTooLong,
  };
  const title = body.dataset.checkTitle;
  if (!messages.control || !title) return;
  const separator = document.documentElement.lang.startsWith('zh') ? '：' : ': ';
  const MAX_CHARS = 60000; // domain::text::Origin::Body::max_chars
  // Control characters other than tab and line breaks (Rust's char::is_control: Cc), and the
  // bidirectional embeddings, overrides and isolates.
  const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
  // U+FFFD, and a lone surrogate (which the browser would send as U+FFFD).
  const ENCODING = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  const problem = (value) => {
    if (CONTROL.test(value)) return messages.control;
    if (ENCODING.test(value)) return messages.encoding;
    if ([...value].length > MAX_CHARS) return messages.tooLong;
    return null;
  };

  const labelOf = (field) => {
    const label = field.id && document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
    const text = (label || field.closest('label') || {}).textContent;
    return (text || field.name).trim();
  };

  const clear = (form) => {
    form.querySelectorAll('[data-form-check]').forEach((el) => el.remove());
    form.querySelectorAll('[data-form-check-invalid]').forEach((field) => {
      field.removeAttribute('aria-invalid');
      field.removeAttribute('data-form-check-invalid');
      const rest = (field.getAttribute('aria-describedby') || '').split(' ')
        .filter((id) => id && !id.endsWith('-check-error'));
      if (rest.length) field.setAttribute('aria-describedby', rest.join(' '));
      else field.removeAttribute('aria-describedby');
      const wrap = field.closest('.field');
      if (wrap && !wrap.querySelector('.error-message')) wrap.classList.remove('field-error');
    });
  };

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    clear(form);
    const found = [];
    form.querySelectorAll('input:not([type]), input[type=text], input[type=search], input[type=email], input[type=tel], input[type=url], input[type=password], textarea').forEach((field) => {
      if (field.disabled || !field.name) return;
      const message = problem(field.value);
      if (message) found.push({ field, message });
    });
    if (found.length === 0) return;
    event.preventDefault();
    const summary = document.createElement('div');
    summary.className = 'error-summary';
    summary.setAttribute('role', 'alert');
    summary.setAttribute('tabindex', '-1');
    summary.dataset.formCheck = '';
    const heading = document.createElement('h2');
    heading.textContent = title;
    const list = document.createElement('ul');
    found.forEach(({ field, message }, i) => {
      if (!field.id) field.id = `form-check-${i}`;
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = `#${field.id}`;
      link.textContent = `${labelOf(field)}${separator}${message}`;
      item.append(link);
      list.append(item);
      const note = document.createElement('p');
      note.className = 'error-message';
      note.id = `${field.id}-check-error`;
      note.dataset.formCheck = '';
      note.textContent = message;
      field.before(note);
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('data-form-check-invalid', '');
      const described = (field.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      if (!described.includes(note.id)) field.setAttribute('aria-describedby', [...described, note.id].join(' '));
      const wrap = field.closest('.field');
      if (wrap) wrap.classList.add('field-error');
    });
    summary.append(heading, list);
    form.prepend(summary);
    summary.focus();
  }, true);
})();
