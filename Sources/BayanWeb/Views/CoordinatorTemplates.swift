/// Templates of the coordinator area and the sign-on pages. Forms post back to the same
/// address; every state-changing form carries the `_csrf` field (or is protected by the
/// capability token in its address).
enum CoordinatorTemplates {
    static let errors = """
    {{#errors}}<p class="error" role="alert">{{.}}</p>{{/errors}}{{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
    """

    static let login = """
    <h1>{{t.login_title}}</h1>
    \(errors)
    <form method="post" action="/login" class="stack">
    <input type="hidden" name="_csrf" value="{{csrf}}" />
    <label>{{t.login_email}} <input type="email" name="email" value="{{email}}" required="required" maxlength="200" dir="ltr" autocomplete="username" /></label>
    <label>{{t.login_password}} <input type="password" name="password" required="required" maxlength="200" autocomplete="current-password" /></label>
    <button type="submit">{{t.login_submit}}</button>
    </form>
    """

    static let dashboard = """
    <h1>{{t.dash_title}}</h1>
    <p class="meta">{{email}} · <a href="/c/directory">{{t.dir_title}}</a></p>
    <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}" /><button type="submit">{{t.logout}}</button></form>
    <table><thead><tr><th>{{t.dash_statement}}</th><th>{{t.dash_state}}</th><th>{{t.dash_signatures}}</th></tr></thead><tbody>
    {{#statements}}<tr><td><a href="/c/s/{{slug}}">{{title}}</a></td><td>{{stateLabel}}</td><td><bdi>{{count}}</bdi></td></tr>{{/statements}}
    </tbody></table>
    <h2>{{t.dash_new}}</h2>
    \(errors)
    <form method="post" action="/c/statements" class="stack">
    <input type="hidden" name="_csrf" value="{{csrf}}" />
    <label>{{t.form_title}} <input type="text" name="title" value="{{form.title}}" required="required" maxlength="500" /></label>
    <label>{{t.form_slug}} <input type="text" name="slug" value="{{form.slug}}" maxlength="80" dir="ltr" pattern="[a-z0-9-]*" /></label>
    <label>{{t.form_language}} <select name="language"><option value="ar">العربية</option><option value="en">English</option></select></label>
    <label>{{t.form_body}} <textarea name="body" rows="10" maxlength="200000">{{form.body}}</textarea></label>
    <button type="submit">{{t.dash_create}}</button>
    </form>
    """

    static let statement = """
    <p><a href="/c">{{t.dash_title}}</a></p>
    <h1>{{title}}</h1>
    <p class="meta">{{t.dash_state}}: <strong>{{stateLabel}}</strong> · {{t.statement_version}}: <code dir="ltr">{{fingerprint}}</code>{{#isPublic}} · <a href="/s/{{slug}}">{{t.admin_publicPage}}</a>{{/isPublic}} · <a href="/c/s/{{slug}}/log">{{t.log_title}}</a> · <a href="/c/s/{{slug}}/export.csv">{{t.admin_exportContacts}}</a></p>
    \(errors)
    <section><h2>{{t.admin_state}}</h2>
    {{#transitions}}
    <form method="post" action="/c/s/{{slug}}/state" class="inline">
    <input type="hidden" name="_csrf" value="{{csrf}}" /><input type="hidden" name="_k" value="{{formKey}}" />
    <input type="hidden" name="to" value="{{to}}" />
    {{#isPublish}}<label>{{t.admin_order}} <select name="order"><option value="arabic">{{t.admin_orderArabic}}</option><option value="signing">{{t.admin_orderSigning}}</option></select></label>{{/isPublish}}
    <label><input type="checkbox" name="confirm" value="yes" /> {{t.admin_confirm}}</label>
    <button type="submit">{{label}}</button>
    </form>
    {{/transitions}}
    </section>
    <section><h2>{{t.admin_text}}</h2>
    <div class="preview body">{{{bodyHTML}}}</div>
    {{#editable}}
    <form method="post" action="/c/s/{{slug}}/text" class="stack">
    <input type="hidden" name="_csrf" value="{{csrf}}" /><input type="hidden" name="_k" value="{{formKey}}" />
    <label>{{t.form_title}} <input type="text" name="title" value="{{editTitle}}" required="required" maxlength="500" /></label>
    <label>{{t.form_body}} <textarea name="body" rows="12" maxlength="200000">{{editBody}}</textarea></label>
    <button type="submit">{{t.admin_saveVersion}}</button>
    </form>
    {{/editable}}
    <h3>{{t.admin_versions}}</h3>
    <table><thead><tr><th>#</th><th>{{t.admin_author}}</th><th>{{t.admin_when}}</th><th>{{t.statement_version}}</th><th></th></tr></thead><tbody>
    {{#versions}}<tr><td>{{number}}</td><td><bdi>{{author}}</bdi></td><td><time>{{when}}</time></td><td><code dir="ltr">{{fingerprint}}</code></td><td>{{#previous}}<a href="/c/s/{{slug}}/diff?from={{previous}}&amp;to={{number}}">{{t.admin_diff}}</a>{{/previous}}</td></tr>{{/versions}}
    </tbody></table>
    <h3>{{t.tr_title}}</h3>
    <ul>{{#translations}}<li lang="{{language}}"><code dir="ltr">{{language}}</code> #{{number}}: <bdi>{{title}}</bdi></li>{{/translations}}</ul>
    <form method="post" action="/c/s/{{slug}}/translation" class="stack">
    <input type="hidden" name="_csrf" value="{{csrf}}" /><input type="hidden" name="_k" value="{{formKey}}" />
    <label>{{t.tr_language}} <input type="text" name="language" maxlength="8" dir="ltr" pattern="[a-zA-Z-]+" /></label>
    <label>{{t.form_title}} <input type="text" name="title" maxlength="500" /></label>
    <label>{{t.form_body}} <textarea name="body" rows="6" maxlength="200000"></textarea></label>
    <button type="submit">{{t.tr_add}}</button>
    </form>
    </section>
    <section id="invitations"><h2>{{t.inv_title}}</h2>
    <form method="post" action="/c/s/{{slug}}/invitations" class="stack">
    <input type="hidden" name="_csrf" value="{{csrf}}" />
    <input type="hidden" name="_k" value="{{formKey}}" />
    <label>{{t.inv_names}} <textarea name="names" rows="4" maxlength="20000"></textarea></label>
    {{#hasOtherStatements}}<label>{{t.inv_from}} <select name="from"><option value="">—</option>{{#otherStatements}}<option value="{{slug}}">{{title}}</option>{{/otherStatements}}</select></label>{{/hasOtherStatements}}
    <label>{{t.inv_days}} <input type="number" name="days" value="30" min="1" max="365" /></label>
    <button type="submit">{{t.inv_create}}</button>
    </form>
    <table><thead><tr><th>{{t.inv_org}}</th><th>{{t.inv_status}}</th><th>{{t.inv_expires}}</th><th></th></tr></thead><tbody>
    {{#invitations}}<tr><td><bdi>{{name}}</bdi></td><td>{{status}}</td><td><time>{{expires}}</time></td><td>{{#revocable}}<form method="post" action="/c/s/{{slug}}/invitations/{{id}}/revoke" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}" /><input type="hidden" name="_k" value="{{formKey}}" /><button type="submit">{{t.inv_revoke}}</button></form>{{/revocable}}</td></tr>{{/invitations}}
    </tbody></table>
    </section>
    <section id="moderation"><h2>{{t.mod_title}}</h2>
    {{#hasIndividuals}}{{#individuals}}<p class="meta">{{t.mod_individuals}}: {{t.mod_counted}} <bdi>{{counted}}</bdi> · {{t.mod_waiting}} <bdi>{{waiting}}</bdi> · {{t.statement_withdrawn}} <bdi>{{withdrawn}}</bdi> · {{t.mod_rejected}} <bdi>{{rejected}}</bdi></p>{{/individuals}}{{/hasIndividuals}}
    {{^pending}}<p>{{t.mod_empty}}</p>{{/pending}}
    {{#pending}}
    <article class="pending">
    <p><strong><bdi>{{name}}</bdi></strong>{{#place}} · <bdi>{{place}}</bdi>{{/place}} — <bdi>{{signer}}</bdi>{{#role}} (<bdi>{{role}}</bdi>){{/role}} · <bdi dir="ltr">{{contact}}</bdi>{{#stale}} · <em>{{t.mod_stale}}</em>{{/stale}}</p>
    {{#warnings}}<p class="warning" role="alert">{{t.mod_duplicate}}: <bdi>{{other}}</bdi> ({{reason}})</p>{{/warnings}}
    <form method="post" action="/c/s/{{slug}}/endorsements/{{id}}/approve" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}" /><input type="hidden" name="_k" value="{{formKey}}" /><button type="submit">{{t.mod_approve}}</button></form>
    <form method="post" action="/c/s/{{slug}}/endorsements/{{id}}/reject" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}" /><input type="hidden" name="_k" value="{{formKey}}" /><input type="text" name="reason" placeholder="{{t.mod_reason}}" maxlength="300" /><button type="submit">{{t.mod_reject}}</button></form>
    {{#warnings}}<form method="post" action="/c/s/{{slug}}/endorsements/{{id}}/merge" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}" /><input type="hidden" name="_k" value="{{formKey}}" /><input type="hidden" name="into" value="{{otherID}}" /><button type="submit">{{t.mod_merge}} <bdi>{{other}}</bdi></button></form>{{/warnings}}
    </article>
    {{/pending}}
    {{#hasQueuePages}}{{#queue}}<nav class="pages" aria-label="{{t.mod_queue}}">{{#previous}}<a href="/c/s/{{slug}}?queue={{previous}}#moderation" rel="prev">{{t.page_previous}}</a> {{/previous}}<span>{{t.mod_queue}} <bdi>{{page}}</bdi> / <bdi>{{pages}}</bdi></span>{{#next}} <a href="/c/s/{{slug}}?queue={{next}}#moderation" rel="next">{{t.page_next}}</a>{{/next}}</nav>{{/queue}}{{/hasQueuePages}}
    </section>
    <section id="signatories"><h2>{{t.statement_signatories}} (<bdi>{{listedCount}}</bdi>)</h2>
    <p class="meta"><a href="?order=arabic#signatories">{{t.admin_orderArabic}}</a> · <a href="?order=signing#signatories">{{t.admin_orderSigning}}</a></p>
    <ol>{{#approved}}<li{{#number}} value="{{number}}"{{/number}}><bdi>{{name}}</bdi>{{#stale}} <em>({{t.mod_stale}})</em>{{/stale}}{{#withdrawn}} <em>({{t.statement_withdrawn}})</em>{{/withdrawn}}
    <form method="post" action="/c/s/{{slug}}/endorsements/{{id}}/rename" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}" /><input type="hidden" name="_k" value="{{formKey}}" /><input type="text" name="name" value="{{name}}" maxlength="300" /><button type="submit">{{t.mod_rename}}</button></form></li>{{/approved}}</ol>
    {{#hasStale}}<form method="post" action="/c/s/{{slug}}/reinvite" class="inline"><input type="hidden" name="_csrf" value="{{csrf}}" /><input type="hidden" name="_k" value="{{formKey}}" /><button type="submit">{{t.mod_reinvite}} (<bdi>{{staleCount}}</bdi>)</button></form>{{/hasStale}}
    </section>
    """

    static let links = """
    <p><a href="/c/s/{{slug}}">{{title}}</a></p>
    <h1>{{heading}}</h1>
    <p class="notice">{{t.inv_onceOnly}}</p>
    {{#links}}
    <article class="invite">
    <h2><bdi>{{name}}</bdi></h2>
    <p><code dir="ltr" class="link">{{url}}</code></p>
    <label>{{t.inv_messageAr}}<textarea readonly="readonly" rows="4" dir="rtl">{{messageAr}}</textarea></label>
    <label>{{t.inv_messageEn}}<textarea readonly="readonly" rows="4" dir="ltr">{{messageEn}}</textarea></label>
    </article>
    {{/links}}
    """

    static let diff = """
    <p><a href="/c/s/{{slug}}">{{title}}</a></p>
    <h1>{{t.admin_diff}} {{from}} → {{to}}</h1>
    <div class="diff body">{{#words}}{{#same}}{{text}}{{/same}}{{#added}}<ins>{{text}}</ins>{{/added}}{{#removed}}<del>{{text}}</del>{{/removed}}{{/words}}</div>
    """

    static let log = """
    <p><a href="/c/s/{{slug}}">{{title}}</a></p>
    <h1>{{t.log_title}}</h1>
    <p class="{{verifyClass}}" role="status">{{verification}}</p>
    <table><thead><tr><th>#</th><th>{{t.admin_when}}</th><th>{{t.log_kind}}</th><th>{{t.log_details}}</th><th>{{t.log_hash}}</th></tr></thead><tbody>
    {{#events}}<tr><td>{{seq}}</td><td><time>{{when}}</time></td><td><code dir="ltr">{{kind}}</code></td><td><bdi>{{details}}</bdi></td><td><code dir="ltr">{{hash}}</code></td></tr>{{/events}}
    </tbody></table>
    """

    static let directory = """
    <p><a href="/c">{{t.dash_title}}</a></p>
    <h1>{{t.dir_title}}</h1>
    <form method="get" action="/c/directory" class="inline"><input type="search" name="q" value="{{q}}" maxlength="200" /><button type="submit">{{t.dir_search}}</button></form>
    <table><thead><tr><th>{{t.dir_name}}</th><th>{{t.dir_latin}}</th><th>{{t.form_place}}</th><th>{{t.dir_kind}}</th><th>{{t.dir_statements}}</th></tr></thead><tbody>
    {{#organizations}}<tr><td><bdi>{{name}}</bdi></td><td><bdi>{{latin}}</bdi></td><td><bdi>{{place}}</bdi></td><td>{{kind}}</td><td>{{#statements}}<a href="/c/s/{{.}}">{{.}}</a> {{/statements}}</td></tr>{{/organizations}}
    </tbody></table>
    <h2>{{t.dir_add}}</h2>
    \(errors)
    <form method="post" action="/c/directory" class="stack">
    <input type="hidden" name="_csrf" value="{{csrf}}" />
    <label>{{t.dir_name}} <input type="text" name="name" value="{{form.name}}" required="required" maxlength="300" /></label>
    <label>{{t.dir_latin}} <input type="text" name="latin" value="{{form.latin}}" maxlength="300" dir="ltr" /></label>
    <label>{{t.form_place}} <input type="text" name="place" value="{{form.place}}" maxlength="120" /></label>
    <label>{{t.dir_kind}} <input type="text" name="kind" value="{{form.kind}}" maxlength="80" /></label>
    <label>{{t.form_contact}} <input type="text" name="contact" value="{{form.contact}}" maxlength="200" dir="ltr" /></label>
    <button type="submit">{{t.dir_save}}</button>
    </form>
    """

    static let signOn = """
    <article class="statement" lang="{{language}}" dir="{{dir}}">
    <p class="meta">{{t.sign_invited}} <strong><bdi>{{orgName}}</bdi></strong></p>
    <h1>{{title}}</h1>
    <div class="body">{{{bodyHTML}}}</div>
    <p class="meta">{{t.statement_version}}: <code dir="ltr">{{fingerprint}}</code></p>
    </article>
    <h2>{{t.sign_title}}</h2>
    \(errors)
    <form method="post" action="/i/{{token}}" class="stack">
    <input type="hidden" name="version" value="{{versionHash}}" />
    <label>{{t.sign_orgName}} <input type="text" name="name" value="{{form.name}}" required="required" maxlength="300" /></label>
    <label>{{t.form_place}} <input type="text" name="place" value="{{form.place}}" maxlength="120" /></label>
    <label>{{t.sign_signer}} <input type="text" name="signer" value="{{form.signer}}" required="required" maxlength="200" /></label>
    <label>{{t.sign_role}} <input type="text" name="role" value="{{form.role}}" maxlength="200" /></label>
    <label>{{t.form_contact}} <input type="email" name="contact" value="{{form.contact}}" required="required" maxlength="200" dir="ltr" /></label>
    <p class="meta">{{t.sign_private}}</p>
    <label><input type="checkbox" name="consent" value="yes" /> {{t.sign_consent}}</label>
    <button type="submit">{{t.sign_submit}}</button>
    </form>
    """

    static let signer = """
    <h1>{{t.signer_title}}</h1>
    \(errors)
    <p><strong><bdi>{{name}}</bdi></strong> — {{stateLabel}}</p>
    <p><a href="/s/{{slug}}">{{title}}</a></p>
    <p class="meta">{{t.signer_signedText}} <code dir="ltr">{{signedFingerprint}}</code> · <bdi>{{signedAt}}</bdi></p>
    <p class="meta">{{t.signer_private}}</p>
    {{#privateURL}}<p><code dir="ltr" class="link">{{privateURL}}</code></p>{{/privateURL}}
    {{#stale}}
    <section class="warning"><h2>{{t.signer_changed}}</h2>
    <div class="body">{{{bodyHTML}}}</div>
    <form method="post" action="/e/{{token}}/reconfirm"><input type="hidden" name="version" value="{{versionHash}}" /><button type="submit">{{t.signer_reconfirm}}</button></form>
    </section>
    {{/stale}}
    {{#canWithdraw}}
    <form method="post" action="/e/{{token}}/withdraw" class="stack"><label><input type="checkbox" name="confirm" value="yes" /> {{t.signer_withdrawConfirm}}</label><button type="submit">{{t.signer_withdraw}}</button></form>
    {{/canWithdraw}}
    """

    static let join = """
    <p><a href="/s/{{slug}}">{{title}}</a></p>
    <h1>{{t.join_title}}</h1>
    <p><a href="/s/{{slug}}/join?kind=individual">{{t.join_asIndividual}}</a> · <a href="/s/{{slug}}/join?kind=organization">{{t.join_asOrganization}}</a></p>
    \(errors)
    <form method="post" action="/s/{{slug}}/join" class="stack">
    <input type="hidden" name="version" value="{{versionHash}}" />
    <input type="hidden" name="t" value="{{stamp}}" />
    <div class="hp" aria-hidden="true"><label>Website <input type="text" name="website" value="" tabindex="-1" autocomplete="off" /></label></div>
    {{#isOrganization}}
    <input type="hidden" name="kind" value="organization" />
    <label>{{t.sign_orgName}} <input type="text" name="name" value="{{form.name}}" required="required" maxlength="300" /></label>
    <label>{{t.form_place}} <input type="text" name="place" value="{{form.place}}" maxlength="120" /></label>
    <label>{{t.sign_signer}} <input type="text" name="signer" value="{{form.signer}}" required="required" maxlength="200" /></label>
    <label>{{t.sign_role}} <input type="text" name="role" value="{{form.role}}" maxlength="200" /></label>
    {{/isOrganization}}
    {{^isOrganization}}
    <input type="hidden" name="kind" value="individual" />
    <label>{{t.join_personName}} <input type="text" name="name" value="{{form.name}}" required="required" maxlength="300" /></label>
    <label>{{t.form_place}} <input type="text" name="place" value="{{form.place}}" maxlength="120" /></label>
    <label><input type="radio" name="visibility" value="public"{{^form.hidden}} checked="checked"{{/form.hidden}} /> {{t.join_showName}}</label>
    <label><input type="radio" name="visibility" value="counted-only"{{#form.hidden}} checked="checked"{{/form.hidden}} /> {{t.join_countOnly}}</label>
    {{/isOrganization}}
    <label>{{t.join_email}} <input type="email" name="email" value="{{form.email}}" required="required" maxlength="200" dir="ltr" /></label>
    <p class="meta">{{t.join_private}}</p>
    <label><input type="checkbox" name="consent" value="yes" /> {{t.join_consent}}</label>
    <button type="submit">{{t.join_submit}}</button>
    </form>
    """

    static let joined = """
    <h1>{{heading}}</h1>
    <p class="notice">{{text}}</p>
    {{#privateURL}}<p class="meta">{{t.signer_private}}</p><p><code dir="ltr" class="link">{{privateURL}}</code></p>{{/privateURL}}
    {{#resend}}<form method="post" action="/s/{{slug}}/join/resend" class="stack">
    <input type="hidden" name="t" value="{{stamp}}" /><input type="hidden" name="email" value="{{email}}" />
    <button type="submit">{{t.join_resend}}</button>
    </form>{{/resend}}
    <p><a href="/s/{{slug}}">{{t.join_back}}</a></p>
    """

    static let confirm = """
    <h1>{{t.join_confirmTitle}}</h1>
    <p><a href="/s/{{slug}}">{{title}}</a></p>
    {{#done}}<p class="notice">{{t.join_confirmed}}</p>{{/done}}
    {{^done}}
    <p><bdi>{{name}}</bdi></p>
    <form method="post" action="/confirm/{{token}}"><button type="submit">{{t.join_confirmButton}}</button></form>
    {{/done}}
    """

    static var all: [(String, String)] {
        [("login", login), ("dashboard", dashboard), ("admin", statement), ("links", links), ("diff", diff), ("log", log),
         ("directory", directory), ("signon", signOn), ("signer", signer), ("join", join), ("joined", joined), ("confirm", confirm)]
    }
}
