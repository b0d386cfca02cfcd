import BayanCore

/// The one stylesheet, served by Bayan itself (`/static/bayan.css`): system Arabic fonts
/// only, readable line length, responsive, logical properties so RTL and LTR both work.
enum Stylesheet {
    /// The stylesheet's address carries its content hash, so a phone on 2G fetches it once
    /// and keeps it (`immutable`): every later page costs one round trip, not two.
    static let path = "/static/bayan.\(ContentHash.of(text: css).hex.prefix(12)).css"
    static let cacheControl = "public, max-age=31536000, immutable"

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
    .hp { position: absolute; inset-inline-start: -10000px; width: 1px; height: 1px; overflow: hidden; }
    p.join a { display: inline-block; padding: .5rem 1.2rem; background: var(--accent); color: #fff; border-radius: 4px; text-decoration: none; }
    ul.individuals { columns: 3 12rem; padding-inline-start: 1.2rem; }
    nav.pages a, nav.pages strong { margin-inline-end: .4rem; }
    form.stack { display: grid; gap: .6rem; max-width: 40rem; margin-block: 1rem; }
    form.stack label { display: grid; gap: .2rem; }
    form.inline { display: inline-flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .2rem 0; }
    input[type=text], input[type=email], input[type=password], input[type=search], input[type=number], select, textarea {
      font: inherit; padding: .35rem .5rem; border: 1px solid var(--rule); border-radius: 4px; background: #fff; }
    textarea { width: 100%; }
    button { font: inherit; padding: .35rem .9rem; border: 1px solid var(--accent); border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
    table { border-collapse: collapse; width: 100%; margin-block: .5rem 1rem; }
    th, td { border-block-end: 1px solid var(--rule); padding: .3rem .5rem; text-align: start; vertical-align: top; }
    .error, .warning { background: #fff1f0; border-inline-start: 4px solid #b42318; padding: .4rem .7rem; }
    .notice { background: #eef8f3; border-inline-start: 4px solid var(--accent); padding: .4rem .7rem; }
    article.pending, article.invite { border: 1px solid var(--rule); border-radius: 6px; padding: .5rem .8rem; margin-block: .6rem; }
    code.link { word-break: break-all; }
    ins { background: #dff5e3; text-decoration: none; } del { background: #fde2e1; }
    main:has(section#moderation) { max-width: 60rem; }
    @media print {
      header.site, footer.meta, p.join, nav.pages { display: none; }
      body { background: #fff; font-size: 11pt; }
      main { max-width: none; padding: 0; }
      @page { size: A4; margin: 18mm; }
    }
    """
}
