// A select marked data-submit-on-change submits its form when another option is chosen. In a
// file, not an onchange attribute: the Content Security Policy allows no inline script.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.dataset.submitOnChange !== undefined && field.form) {
    field.form.requestSubmit();
  }
});
