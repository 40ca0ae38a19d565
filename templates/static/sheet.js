// Live totals on a scoring sheet (progressive enhancement: the server computes the same totals
// when the sheet is saved or checked). Each row of a table marked data-totals sums its
// number inputs into the row's cell marked data-total.
document.querySelectorAll('table[data-totals]').forEach((table) => {
  const update = (row) => {
    let sum = 0;
    row.querySelectorAll('input').forEach((input) => {
      const v = Number(input.value.trim());
      if (input.value.trim() !== '' && Number.isFinite(v)) sum += v;
    });
    const cell = row.querySelector('[data-total]');
    if (cell) cell.textContent = String(Math.round(sum * 100) / 100);
  };
  table.querySelectorAll('tbody tr').forEach((row) => {
    update(row);
    row.addEventListener('input', () => update(row));
  });
});
