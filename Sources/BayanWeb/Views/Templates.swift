import Mustache

/// Page templates, compiled into the binary so Bayan stays one file to deploy.
/// Every page: `lang` and `dir` on `<html>`, our own stylesheet only, no script.
enum Templates {
    static let layout = """
    <!DOCTYPE html>
    <html lang="{{lang}}" dir="{{dir}}">
    <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>{{pageTitle}}</title>
    <link rel="stylesheet" href="\(Stylesheet.path)" />
    {{{head}}}
    </head>
    <body>
    <header class="site"><a class="brand" href="/">{{t.site_name}}</a> <span class="tagline">{{t.site_tagline}}</span>
    <a class="lang" href="{{switchURL}}" lang="{{switchLang}}">{{t.language_switch}}</a></header>
    <main>
    {{{content}}}
    </main>
    </body>
    </html>

    """

    static let home = """
    <h1>{{t.home_title}}</h1>
    {{#statements}}
    <article class="summary" lang="{{language}}" dir="{{dir}}">
    <h2><a href="/s/{{slug}}">{{title}}</a></h2>
    <p class="meta">{{t.home_signatories}}: <bdi>{{count}}</bdi>{{#published}} · {{t.statement_published}}: <time datetime="{{publishedISO}}">{{published}}</time>{{/published}}</p>
    </article>
    {{/statements}}
    {{^statements}}<p>{{t.home_empty}}</p>{{/statements}}
    """

    static let statement = """
    <article class="statement" lang="{{language}}" dir="{{dir}}">
    {{#hasTranslations}}<p class="meta">{{#translations}}{{#current}}<strong lang="{{code}}">{{code}}</strong> {{/current}}{{^current}}<a href="/s/{{slug}}?text={{code}}" lang="{{code}}">{{code}}</a> {{/current}}{{/translations}}</p>{{/hasTranslations}}
    <h1 lang="{{textLanguage}}" dir="{{textDir}}">{{title}}</h1>
    {{#isTranslation}}<p class="note">{{t.statement_translationNote}}</p>{{/isTranslation}}
    <div class="body" lang="{{textLanguage}}" dir="{{textDir}}">
    {{{bodyHTML}}}
    </div>
    <section class="signatories">
    <h2>{{t.statement_signatories}} (<bdi>{{count}}</bdi>)</h2>
    {{#hasSignatories}}
    <ol class="founding">
    {{#signatories}}
    <li value="{{number}}"{{#withdrawn}} class="withdrawn"{{/withdrawn}}><bdi>{{name}}</bdi>{{#withdrawn}} <span class="note">({{t.statement_withdrawn}})</span>{{/withdrawn}}</li>
    {{/signatories}}
    </ol>
    {{/hasSignatories}}
    {{^hasSignatories}}<p>{{t.statement_noSignatories}}</p>{{/hasSignatories}}
    </section>
    {{#hasLater}}
    <section class="signatories">
    <h2>{{t.statement_later}} (<bdi>{{laterCount}}</bdi>)</h2>
    <ol class="later">
    {{#later}}<li value="{{number}}"{{#withdrawn}} class="withdrawn"{{/withdrawn}}><bdi>{{name}}</bdi>{{#withdrawn}} <span class="note">({{t.statement_withdrawn}})</span>{{/withdrawn}}</li>
    {{/later}}
    </ol>
    </section>
    {{/hasLater}}
    {{#hasIndividuals}}
    <section class="signatories" id="individuals">
    <h2>{{t.statement_individuals}} (<bdi>{{individualTotal}}</bdi>)</h2>
    {{#hasCountedOnly}}<p class="meta">{{t.statement_countedOnly}}: <bdi>{{countedOnly}}</bdi></p>{{/hasCountedOnly}}
    <ul class="individuals">
    {{#individuals}}<li><bdi>{{name}}</bdi>{{#place}} — <bdi>{{place}}</bdi>{{/place}}</li>
    {{/individuals}}
    </ul>
    {{#hasPages}}<nav class="pages" aria-label="pages">{{#pagination}}{{#current}}<strong>{{n}}</strong> {{/current}}{{^current}}<a href="{{href}}">{{n}}</a> {{/current}}{{/pagination}}</nav>{{/hasPages}}
    </section>
    {{/hasIndividuals}}
    {{#open}}<p class="join"><a href="/s/{{slug}}/join">{{t.join_link}}</a></p>{{/open}}
    <footer class="meta">
    {{#published}}<p>{{t.statement_published}}: <time datetime="{{publishedISO}}">{{published}}</time></p>{{/published}}
    <p>{{t.statement_version}}: <code dir="ltr">{{fingerprint}}</code> · <a href="/s/{{slug}}/versions">{{t.statement_versions}}</a></p>
    <p>{{t.statement_downloads}}: <a href="/s/{{slug}}.md">Markdown</a> · <a href="/s/{{slug}}.json">JSON</a> · <a href="/s/{{slug}}.csv">CSV</a></p>
    </footer>
    </article>
    """

    static let versions = """
    <p><a href="/s/{{slug}}">{{title}}</a></p>
    <h1>{{t.statement_versions}}</h1>
    <table><thead><tr><th>#</th><th>{{t.form_language}}</th><th>{{t.form_title}}</th><th>{{t.statement_published}}</th><th>SHA-256</th></tr></thead><tbody>
    {{#versions}}<tr><td>{{number}}</td><td><code>{{language}}</code>{{#translates}} → <code dir="ltr">{{translates}}</code>{{/translates}}</td><td><bdi>{{title}}</bdi>{{#reason}} ({{reason}}){{/reason}}</td><td><time>{{date}}</time></td><td><code dir="ltr" class="link">{{hash}}</code></td></tr>{{/versions}}
    </tbody></table>
    """

    static let message = """
    <section class="message">
    <h1>{{heading}}</h1>
    <p>{{text}}</p>
    <p><a href="/">{{t.notFound_home}}</a></p>
    </section>
    """

    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        // The templates are constants of this file: a parse error is a programming error.
        for (name, text) in [("layout", layout), ("home", home), ("statement", statement), ("message", message), ("versions", versions)] + CoordinatorTemplates.all {
            library.register(try! MustacheTemplate(string: text), named: name)
        }
        return library
    }()
}
