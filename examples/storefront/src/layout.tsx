import type { Child } from 'hono/jsx'
import { tryGetContext } from 'hono/context-storage'
import { currentLang, LANG_PARAM, t } from './i18n.js'

const STYLE = `
  *{box-sizing:border-box} body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
  header{background:#1d2330;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:center}
  header a{color:#fff;text-decoration:none} header .brand{font-weight:700;font-size:18px} header .lang{margin-left:auto} header nav.admin{display:flex;gap:16px;padding-left:16px;border-left:1px solid #fff4}
  main{max-width:1100px;margin:0 auto;padding:24px} h1{margin-top:0}
  .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:16px}
  .card{background:#fff;border-radius:8px;padding:14px;box-shadow:0 1px 2px #0001}
  .price{font-weight:700} .old{color:#8a8f98;text-decoration:line-through;margin-left:6px;font-weight:400}
  nav.categories{display:flex;flex-wrap:wrap;gap:6px 18px} nav.categories a{margin-right:10px} nav.categories a.current{text-decoration:underline;font-weight:600}
  form.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end;margin:12px 0} fieldset{border:1px solid #e6e8ec;border-radius:6px;background:#fff} fieldset label{margin-right:8px;white-space:nowrap}
  table{border-collapse:collapse;width:100%;background:#fff}
  td,th{padding:8px 10px;border-bottom:1px solid #e6e8ec;text-align:left} td.num,th.num{text-align:right}
  .muted{color:#6b7280} .error{background:#fdecea;color:#8a1c12;padding:10px;border-radius:6px}
  button,select,input{font:inherit;padding:6px 10px} form.inline{display:inline} button.danger{color:#8a1c12} button:disabled{opacity:.45}
  .board{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:14px;margin-top:12px} .board h2{font-size:17px;margin:0 0 4px} .order-card{margin-top:10px;font-size:14px} .order-card .transitions{margin-top:6px} .order-card select{max-width:140px}
  .report-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:16px;margin-top:12px} .report-grid h2{font-size:17px;margin:0 0 8px}
  ol.timeline{list-style:none;padding:0} ol.timeline li{background:#fff;border-radius:6px;padding:8px 12px;margin-bottom:6px;box-shadow:0 1px 2px #0001} ol.timeline .kind{display:inline-block;min-width:84px;font-size:12px;text-transform:uppercase;color:#6b7280}
  .crm-forms{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px;margin:12px 0;align-items:start} .crm-forms form{display:grid;gap:6px} .crm-forms h3{margin:0;font-size:15px}
`

/**
 * The back office's sections, in the order of its menu. Pages that come with
 * later parts of the engine (customers, reports) add their entry here.
 */
export const ADMIN_SECTIONS: readonly { href: string; title: string }[] = [
  { href: '/admin/orders', title: 'Заказы' },
  { href: '/admin/customers', title: 'Клиенты' },
  { href: '/admin/reports', title: 'Отчёты' },
  { href: '/admin/engine', title: 'Движок' },
]

/** The current page's address with `lang` set to the other language: the switch in the header. */
function switchLink(): string {
  const c = tryGetContext()
  const url = new URL(c?.req.url ?? 'http://localhost/')
  url.searchParams.set(LANG_PARAM, currentLang() === 'ru' ? 'en' : 'ru')
  return `${url.pathname}${url.search}`
}

/** The page frame shared by every page of the example shop; `admin` pages get the back office's menu. */
export function Layout(props: { title: string; cartCount?: number; admin?: boolean; children?: Child }) {
  return (
    <html lang={currentLang()}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} — Ordo Demo Shop</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <header>
          <a class="brand" href="/">
            Ordo Demo Shop
          </a>
          <a href="/">{t('nav.catalog')}</a>
          <a href="/cart">
            {t('nav.cart')}
            {props.cartCount ? ` (${props.cartCount})` : ''}
          </a>
          {props.admin ? (
            <nav class="admin" data-admin-nav>
              {ADMIN_SECTIONS.map((section) => (
                <a href={section.href}>{section.title}</a>
              ))}
            </nav>
          ) : (
            <a href="/admin/orders">{t('nav.orders')}</a>
          )}
          <a class="lang" href={switchLink()} data-lang-switch>
            {t('nav.switch')}
          </a>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  )
}
