// Declarative page behaviours, on every page: the Content-Security-Policy forbids inline handlers.
// data-confirm="Question?" on a submit button asks first; data-autosubmit on a field submits its form on change.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]:not([data-api])");  // data-api buttons: shell.js asks
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
});
