import type { Child } from 'hono/jsx'

const STYLE = `
  *{box-sizing:border-box} body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
  header{background:#1d2330;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:center}
  header a{color:#fff;text-decoration:none} header .brand{font-weight:700;font-size:18px}
  main{max-width:1100px;margin:0 auto;padding:24px} h1{margin-top:0}
  .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:16px}
  .card{background:#fff;border-radius:8px;padding:14px;box-shadow:0 1px 2px #0001}
  .price{font-weight:700} .old{color:#8a8f98;text-decoration:line-through;margin-left:6px;font-weight:400}
  nav.categories a{margin-right:12px} table{border-collapse:collapse;width:100%;background:#fff}
  td,th{padding:8px 10px;border-bottom:1px solid #e6e8ec;text-align:left} td.num,th.num{text-align:right}
  .muted{color:#6b7280} .error{background:#fdecea;color:#8a1c12;padding:10px;border-radius:6px}
  button,select,input{font:inherit;padding:6px 10px} form.inline{display:inline}
`

/** The page frame shared by every page of the example shop. */
export function Layout(props: { title: string; cartCount?: number; children?: Child }) {
  return (
    <html lang="ru">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} — Ordo Demo Shop</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <header>
          <a class="brand" href="/">Ordo Demo Shop</a>
          <a href="/">Каталог</a>
          <a href="/cart">Корзина{props.cartCount ? ` (${props.cartCount})` : ''}</a>
          <a href="/admin/orders">Заказы</a>
          <a href="/admin/engine">Движок</a>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  )
}
