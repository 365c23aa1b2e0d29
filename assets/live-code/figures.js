// Figures drawn live keep the book's alt text: the kernel sends bare images, the build wrote words for each figure.
const bookAlt = new Map(); // div.cell -> the alt texts of the figures the build put under it

// Before Live Code replaces the cell's outputs.
export function rememberAlt(element) {
  bookAlt.set(element, [...element.querySelectorAll(".cell_output img")].map((image) => image.alt));
}

// cell: { element, number, thebe, bookSource }. Watches its outputs from now on.
export function keepAlt(cell) {
  new MutationObserver(() => describe(cell))
    .observe(cell.element.querySelector(".cell_output"), { childList: true, subtree: true });
}

function describe(cell) {
  const said = bookAlt.get(cell.element);
  const drawn = cell.element.querySelectorAll(".jp-OutputArea-output img:not([alt])");
  drawn.forEach((image, i) => {
    const book = said[i] ?? said[0];
    const edited = cell.thebe.source !== cell.bookSource;
    image.alt = !book ? `A figure drawn by cell ${cell.number}`
      : edited ? `A figure drawn by your edit of cell ${cell.number}; the book's figure here shows: ${book}` : book;
  });
}
