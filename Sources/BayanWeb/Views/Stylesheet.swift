/// The one stylesheet, served by Bayan itself (`/static/bayan.css`): system Arabic fonts
/// only, readable line length, responsive, logical properties so RTL and LTR both work.
enum Stylesheet {
    static let css = """
    :root { --ink: #1d1d1f; --muted: #5b5b66; --rule: #d9d9e0; --accent: #0b5c4a; --bg: #fdfdfb; }
    * { box-sizing: border-box; }
    html { font-size: 112%; }
    body { margin: 0; background: var(--bg); color: var(--ink); line-height: 1.75;
      font-family: "Noto Naskh Arabic", "Noto Sans Arabic", "Geeza Pro", "Segoe UI", Tahoma, "Arabic Typesetting", "Dejavu Sans", system-ui, sans-serif; }
    html[lang="en"] body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; line-height: 1.6; }
    header.site { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: baseline; padding: .75rem 1rem; border-block-end: 1px solid var(--rule); }
    header.site .brand { font-weight: 700; font-size: 1.25rem; color: var(--accent); text-decoration: none; }
    header.site .tagline { color: var(--muted); font-size: .9rem; }
    header.site .lang { margin-inline-start: auto; font-size: .9rem; }
    main { max-width: 46rem; margin: 0 auto; padding: 1rem 1rem 3rem; }
    h1 { font-size: 1.6rem; line-height: 1.4; margin-block: 1rem; }
    h2 { font-size: 1.25rem; margin-block: 2rem .75rem; }
    a { color: var(--accent); }
    .body p { margin-block: 0 1rem; text-align: justify; }
    ol.founding { padding-inline-start: 2.5rem; columns: 2 18rem; column-gap: 2rem; }
    ol.founding li { break-inside: avoid; margin-block-end: .2rem; }
    li.withdrawn bdi { text-decoration: line-through; color: var(--muted); }
    .note, .meta { color: var(--muted); font-size: .9rem; }
    code { font-size: .85rem; }
    article.summary { border-block-end: 1px solid var(--rule); padding-block: .5rem; }
    @media print {
      header.site, footer.meta { display: none; }
      body { background: #fff; font-size: 11pt; }
      main { max-width: none; padding: 0; }
      @page { size: A4; margin: 18mm; }
    }
    """
}
