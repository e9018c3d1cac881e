import { createCommerce, type AnyDomainEvent, type Category, type Commerce } from '@ordo/core'
import { describeEachDialect, testClock } from '@ordo/testing'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createCatalogModule } from '../src/catalog/catalog-module.js'
import type { Runtime } from '../src/runtime.js'
import { RevisionCache } from '../src/storage/revisions.js'

// The internal API only reads through the handle it is given.
/** The catalog's internal calls with a cache of their own (each shop in these tests is a new database). */
const internal = () => createCatalogModule({ revisions: new RevisionCache(100) } as unknown as Runtime).internal

describeEachDialect('catalog products, categories and attributes', ({ database }) => {
  let shop: Commerce
  const events: AnyDomainEvent[] = []
  let clothes: Category
  let tees: Category
  let longsleeves: Category
  let mugs: Category

  beforeAll(async () => {
    const db = await database()
    shop = await createCommerce({ storage: db.storage, currency: 'RUB', clock: testClock() })
    shop.events.on('*', (e) => events.push(e))
    clothes = await shop.catalog.createCategory({ slug: 'clothes', name: 'Clothes' })
    tees = await shop.catalog.createCategory({ slug: 'tees', name: 'T-shirts', parentId: clothes.id })
    longsleeves = await shop.catalog.createCategory({ slug: 'longsleeves', name: 'Longsleeves', parentId: tees.id, position: 1 })
    mugs = await shop.catalog.createCategory({ slug: 'mugs', name: 'Mugs' })
    await shop.catalog.defineAttribute({ code: 'color', name: 'Colour', type: 'option', options: ['blue', 'red', 'white'], filterable: true })
    await shop.catalog.defineAttribute({ code: 'size', name: 'Size', type: 'option', options: ['S', 'M', 'L'], filterable: true })
    await shop.catalog.defineAttribute({ code: 'cotton', name: 'Cotton', type: 'number', unit: '%', filterable: true })
    await shop.catalog.defineAttribute({ code: 'organic', name: 'Organic', type: 'boolean', filterable: true })
    await shop.catalog.defineAttribute({ code: 'care', name: 'Care', type: 'text' })

    await shop.catalog.upsertProduct({
      handle: 'tee-basic',
      name: 'Футболка Basic',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      categoryIds: [tees.id],
      attributes: { cotton: 95, organic: true, care: 'Wash at 30°', color: 'white' },
      images: ['https://cdn.example/tee.jpg'],
      variants: [
        { sku: 'TEE-M-BLUE', name: 'M / Blue', attributes: { size: 'M', color: 'blue' }, weightGrams: 180, dimensions: { lengthMm: 300, widthMm: 200, heightMm: 20 }, costPrice: 25_000, barcodes: ['4600000000017'] },
        { sku: 'TEE-L-RED', name: 'L / Red', attributes: { size: 'L', color: 'red' }, images: ['https://cdn.example/tee-red.jpg'] },
      ],
    })
    await shop.catalog.upsertProduct({
      handle: 'longsleeve',
      name: 'Longsleeve 100% Cotton',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      categoryIds: [longsleeves.id],
      attributes: { cotton: 100, organic: false },
      variants: [
        { sku: 'LS-S-RED', name: 'S / Red', attributes: { size: 'S', color: 'red' } },
        { sku: 'LS-M-BLUE', name: 'M / Blue', attributes: { size: 'M', color: 'blue' } },
      ],
    })
    await shop.catalog.upsertProduct({
      handle: 'mug',
      name: 'Mug',
      vatRate: 'vat20',
      paymentSubject: 'commodity',
      categoryIds: [mugs.id],
      attributes: { color: 'white' },
      variants: [{ sku: 'MUG-1' }],
    })
    await shop.catalog.setPrices([
      { priceListCode: 'base-RUB', sku: 'TEE-M-BLUE', amount: 99_000 },
      { priceListCode: 'base-RUB', sku: 'TEE-L-RED', amount: 109_000 },
      { priceListCode: 'base-RUB', sku: 'LS-S-RED', amount: 149_000 },
      { priceListCode: 'base-RUB', sku: 'LS-M-BLUE', amount: 159_000 },
      { priceListCode: 'base-RUB', sku: 'MUG-1', amount: 49_000 },
    ])
    await shop.catalog.upsertPriceList({ code: 'sale', name: 'Sale', currency: 'RUB', priority: 10, channels: ['site'] })
    await shop.catalog.setPrices([{ priceListCode: 'sale', sku: 'LS-S-RED', amount: 89_000 }])
  })
  afterAll(async () => {
    await shop?.close()
  })

  const handles = (page: { items: { handle: string }[] }) => page.items.map((p) => p.handle)

  test('variantsBySku: names, merged attributes, categories with ancestors, logistics and images', async () => {
    const map = await shop.run((uow) => internal().variantsBySku(uow.db, ['TEE-M-BLUE', 'TEE-L-RED', 'MUG-1', 'NOPE']))
    expect([...map.keys()].sort()).toEqual(['MUG-1', 'TEE-L-RED', 'TEE-M-BLUE'])
    const blue = map.get('TEE-M-BLUE')!
    expect(blue).toMatchObject({
      sku: 'TEE-M-BLUE',
      name: 'Футболка Basic — M / Blue',
      status: 'active',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      weightGrams: 180,
      dimensions: { lengthMm: 300, widthMm: 200, heightMm: 20 },
      costPrice: 25_000,
      imageUrl: 'https://cdn.example/tee.jpg',
    })
    // The variant's colour wins over the product's.
    expect(blue.attributes).toEqual({ cotton: 95, organic: true, care: 'Wash at 30°', color: 'blue', size: 'M' })
    expect(blue.categoryIds).toEqual([clothes.id, tees.id])
    expect(map.get('TEE-L-RED')).toMatchObject({ imageUrl: 'https://cdn.example/tee-red.jpg', weightGrams: null, dimensions: null, costPrice: null })
    expect(map.get('MUG-1')).toMatchObject({ name: 'Mug', categoryIds: [mugs.id], attributes: { color: 'white' } })
  })

  test('archived products and variants are reported archived by variantsBySku', async () => {
    await shop.catalog.upsertProduct({
      handle: 'cap',
      name: 'Cap',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      variants: [{ sku: 'CAP-1' }, { sku: 'CAP-2' }],
    })
    await shop.catalog.upsertProduct({ handle: 'scarf', name: 'Scarf', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'SCARF-1' }, { sku: 'SCARF-2' }] })
    const archived = await shop.catalog.archiveProduct('cap')
    expect(archived.status).toBe('archived')
    const variant = await shop.catalog.archiveVariant('SCARF-2')
    expect(variant.status).toBe('archived')
    const map = await shop.run((uow) => internal().variantsBySku(uow.db, ['CAP-1', 'CAP-2', 'SCARF-1', 'SCARF-2']))
    expect(Object.fromEntries([...map].map(([sku, s]) => [sku, s.status]))).toEqual({ 'CAP-1': 'archived', 'CAP-2': 'archived', 'SCARF-1': 'active', 'SCARF-2': 'archived' })
    expect(events.filter((e) => e.type === 'product.archived' || e.type === 'variant.archived').map((e) => e.type)).toEqual(['product.archived', 'variant.archived'])
    // Archiving again changes nothing and emits nothing.
    await shop.catalog.archiveProduct('cap')
    expect(events.filter((e) => e.type === 'product.archived')).toHaveLength(1)
    // Archived products are left out of listings unless asked for.
    expect(handles(await shop.catalog.listProducts({ search: 'cap' }))).toEqual([])
    expect(handles(await shop.catalog.listProducts({ search: 'cap', status: 'archived' }))).toEqual(['cap'])
    // A variant is re-activated through upsertProduct.
    await shop.catalog.upsertProduct({ handle: 'scarf', name: 'Scarf', vatRate: 'vat22', paymentSubject: 'commodity', variants: [{ sku: 'SCARF-2', status: 'active' }] })
    expect((await shop.catalog.getVariantBySku('SCARF-2'))!.status).toBe('active')
    await expect(shop.catalog.archiveProduct('no-such')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  test('upsertProduct updates by handle, keeps what is left out, and emits events', async () => {
    const created = await shop.catalog.upsertProduct({
      handle: 'hoodie',
      name: 'Hoodie',
      description: 'Warm',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      categoryIds: [clothes.id],
      images: ['https://cdn.example/h.jpg'],
      variants: [{ sku: 'HOOD-M', name: 'M', weightGrams: 500, barcodes: ['111'] }],
    })
    expect(created).toMatchObject({ handle: 'hoodie', status: 'active', description: 'Warm', categoryIds: [clothes.id], variants: [{ sku: 'HOOD-M', position: 0 }] })
    const updated = await shop.catalog.upsertProduct({
      handle: 'hoodie',
      name: 'Hoodie Warm',
      vatRate: 'vat22',
      paymentSubject: 'commodity',
      variants: [{ sku: 'HOOD-L', name: 'L' }, { sku: 'HOOD-M', costPrice: 90_000 }],
    })
    expect(updated.id).toBe(created.id)
    expect(updated).toMatchObject({ name: 'Hoodie Warm', description: 'Warm', categoryIds: [clothes.id], images: ['https://cdn.example/h.jpg'] })
    expect(updated.variants.map((v) => [v.sku, v.name, v.position, v.weightGrams, v.costPrice, v.barcodes])).toEqual([
      ['HOOD-M', 'M', 0, 500, 90_000, ['111']],
      ['HOOD-L', 'L', 1, null, null, []],
    ])
    // Renaming the handle goes through the id.
    const renamed = await shop.catalog.upsertProduct({ id: created.id, handle: 'hoodie-warm', name: 'Hoodie Warm', vatRate: 'vat22', paymentSubject: 'commodity', description: null })
    expect(renamed).toMatchObject({ handle: 'hoodie-warm', description: null })
    expect(await shop.catalog.getProduct('hoodie')).toBeUndefined()
    expect((await shop.catalog.getProduct('hoodie-warm'))!.id).toBe(created.id)
    expect((await shop.catalog.getProduct(created.id))!.handle).toBe('hoodie-warm')
    const mine = events.filter((e) => e.aggregateId === created.id).map((e) => e.type)
    expect(mine).toEqual(['product.created', 'product.updated', 'product.updated'])

    const found = await shop.catalog.getVariantBySku('HOOD-L')
    expect(found).toMatchObject({ sku: 'HOOD-L', productId: created.id, product: { handle: 'hoodie-warm', name: 'Hoodie Warm' } })
    expect(await shop.catalog.getVariantBySku('hood-l')).toBeUndefined()

    // upsertVariant: a new SKU needs its product; it can move a SKU explicitly.
    await expect(shop.catalog.upsertVariant({ sku: 'HOOD-XL' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('product') })
    const xl = await shop.catalog.upsertVariant({ sku: 'HOOD-XL', product: 'hoodie-warm', name: 'XL', attributes: { size: 'L' } })
    expect(xl).toMatchObject({ productId: created.id, position: 2, name: 'XL' })
    const moved = await shop.catalog.upsertVariant({ sku: 'HOOD-XL', product: 'mug' })
    expect(moved).toMatchObject({ name: 'XL', attributes: { size: 'L' } })
    const summary = (await shop.run((uow) => internal().variantsBySku(uow.db, ['HOOD-XL']))).get('HOOD-XL')!
    expect(summary).toMatchObject({ name: 'Mug — XL', attributes: { color: 'white', size: 'L' }, categoryIds: [mugs.id] })
  })

  test('bad input is refused naming the problem, and nothing is written', async () => {
    const attempt = (extra: Record<string, unknown>) =>
      shop.catalog.upsertProduct({ handle: 'bad-one', name: 'Bad', vatRate: 'vat22', paymentSubject: 'commodity', ...extra } as never)
    await expect(attempt({ attributes: { colour: 'blue' } })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('unknown attribute "colour"') })
    await expect(attempt({ attributes: { cotton: '95' } })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/attributes\.cotton: attribute "cotton" is a number \(in %\)/) })
    await expect(attempt({ variants: [{ sku: 'BAD-1', attributes: { color: 'green' } }] })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('variants.0.attributes.color'),
    })
    await expect(attempt({ variants: [{ sku: 'BAD-1', attributes: { organic: 'yes' } }] })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(attempt({ vatRate: 'vat18' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('vatRate') })
    await expect(attempt({ paymentSubject: 'goods' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('paymentSubject') })
    await expect(attempt({ handle: 'Bad Handle' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('handle') })
    await expect(attempt({ variants: [{ sku: 'A' }, { sku: 'A' }] })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('listed twice') })
    await expect(attempt({ variants: [{ sku: 'BAD-2', costPrice: 1.5 }] })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(attempt({ categoryIds: ['no-such-category'] })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    // A SKU of another product is not taken over silently; the new product is not half-written.
    await expect(attempt({ variants: [{ sku: 'BAD-3' }, { sku: 'MUG-1' }] })).rejects.toMatchObject({ code: 'DUPLICATE', details: { sku: 'MUG-1' } })
    expect(await shop.catalog.getProduct('bad-one')).toBeUndefined()
    expect(await shop.catalog.getVariantBySku('BAD-3')).toBeUndefined()
    // A handle taken by another product.
    const mug = (await shop.catalog.getProduct('mug'))!
    await expect(shop.catalog.upsertProduct({ id: mug.id, handle: 'tee-basic', name: 'Mug', vatRate: 'vat20', paymentSubject: 'commodity' })).rejects.toMatchObject({
      code: 'DUPLICATE',
    })
  })

  test('attribute definitions cannot change under values in use', async () => {
    await expect(shop.catalog.defineAttribute({ code: 'color', name: 'Colour', type: 'text' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('type cannot change'),
    })
    await expect(shop.catalog.defineAttribute({ code: 'color', name: 'Colour', type: 'option', options: ['blue', 'white'] })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('"red"'),
    })
    const widened = await shop.catalog.defineAttribute({ code: 'color', name: 'Color', type: 'option', options: ['blue', 'red', 'white', 'black'] })
    expect(widened).toEqual({ code: 'color', name: 'Color', type: 'option', unit: null, options: ['blue', 'red', 'white', 'black'], filterable: true })
    await expect(shop.catalog.defineAttribute({ code: 'fit', name: 'Fit', type: 'option' })).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(shop.catalog.defineAttribute({ code: 'fit', name: 'Fit', type: 'text', unit: 'cm' })).rejects.toMatchObject({ code: 'VALIDATION' })
    expect((await shop.catalog.attributes()).map((a) => a.code)).toEqual(['care', 'color', 'cotton', 'organic', 'size'])
  })

  test('categories: a tree, unique slugs, and no moving under a descendant', async () => {
    await expect(shop.catalog.createCategory({ slug: 'tees', name: 'Again' })).rejects.toMatchObject({ code: 'DUPLICATE' })
    await expect(shop.catalog.createCategory({ slug: 'orphans', name: 'Orphans', parentId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(shop.catalog.updateCategory(clothes.id, { parentId: longsleeves.id })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('descendants'),
    })
    await expect(shop.catalog.updateCategory(tees.id, { parentId: tees.id })).rejects.toMatchObject({ code: 'VALIDATION' })

    const tree = await shop.catalog.categoryTree()
    expect(tree.map((n) => n.slug)).toEqual(['clothes', 'mugs'])
    expect(tree[0]!.children.map((n) => n.slug)).toEqual(['tees'])
    expect(tree[0]!.children[0]!.children.map((n) => n.slug)).toEqual(['longsleeves'])

    // Moving a subtree: its descendants follow, ancestors are recomputed.
    const home = await shop.catalog.createCategory({ slug: 'home', name: 'Home' })
    const moved = await shop.catalog.updateCategory(tees.id, { parentId: home.id, name: 'Tees' })
    expect(moved).toMatchObject({ parentId: home.id, ancestorIds: [home.id], name: 'Tees', slug: 'tees' })
    const ls = (await shop.run((uow) => internal().variantsBySku(uow.db, ['LS-S-RED']))).get('LS-S-RED')!
    expect(ls.categoryIds).toEqual([home.id, tees.id, longsleeves.id])
    expect(handles(await shop.catalog.listProducts({ categoryId: home.id, includeSubcategories: true }))).toEqual(['tee-basic', 'longsleeve'])
    expect(handles(await shop.catalog.listProducts({ categoryId: clothes.id, includeSubcategories: true }))).toEqual(['hoodie-warm'])
    // And back.
    await shop.catalog.updateCategory(tees.id, { parentId: clothes.id, name: 'T-shirts' })
    expect(handles(await shop.catalog.listProducts({ categoryId: clothes.id, includeSubcategories: true }))).toEqual(['tee-basic', 'longsleeve', 'hoodie-warm'])
  })

  test('two moves at once cannot make a loop', async () => {
    const a = await shop.catalog.createCategory({ slug: 'loop-a', name: 'A' })
    const b = await shop.catalog.createCategory({ slug: 'loop-b', name: 'B' })
    const outcomes = await Promise.allSettled([shop.catalog.updateCategory(a.id, { parentId: b.id }), shop.catalog.updateCategory(b.id, { parentId: a.id })])
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const flat = (nodes: Awaited<ReturnType<Commerce['catalog']['categoryTree']>>): string[] => nodes.flatMap((n) => [n.slug, ...flat(n.children)])
    const slugs = flat(await shop.catalog.categoryTree())
    expect(slugs.filter((s) => s.startsWith('loop-')).sort()).toEqual(['loop-a', 'loop-b'])
  })

  test('listProducts: categories, attribute filters on one variant, price ranges and search', async () => {
    expect(handles(await shop.catalog.listProducts({ categoryId: tees.id }))).toEqual(['tee-basic'])
    expect(handles(await shop.catalog.listProducts({ categoryId: tees.id, includeSubcategories: true }))).toEqual(['tee-basic', 'longsleeve'])

    // Colour and size must hold for the same variant: the tee has M/Blue and L/Red, not M/Red.
    expect(handles(await shop.catalog.listProducts({ attributes: { color: 'red', size: 'M' } }))).toEqual([])
    expect(handles(await shop.catalog.listProducts({ attributes: { color: 'red', size: ['L', 'S'] } }))).toEqual(['tee-basic', 'longsleeve'])
    // Product values apply to every variant, unless a variant overrides them.
    expect(handles(await shop.catalog.listProducts({ attributes: { color: 'white' } }))).toEqual(['mug'])
    expect(handles(await shop.catalog.listProducts({ attributes: { organic: true } }))).toEqual(['tee-basic'])
    expect(handles(await shop.catalog.listProducts({ attributes: { cotton: { min: 96 } } }))).toEqual(['longsleeve'])
    expect(handles(await shop.catalog.listProducts({ attributes: { cotton: [95, 100] } }))).toEqual(['tee-basic', 'longsleeve'])
    await expect(shop.catalog.listProducts({ attributes: { care: 'Wash at 30°' } })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('not filterable') })
    await expect(shop.catalog.listProducts({ attributes: { colour: 'red' } })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('"colour"') })
    await expect(shop.catalog.listProducts({ attributes: { organic: 'yes' } })).rejects.toMatchObject({ code: 'VALIDATION' })

    // Base price range, and effective price in a context.
    expect(handles(await shop.catalog.listProducts({ price: { currency: 'RUB', max: 100_000 } }))).toEqual(['tee-basic', 'mug'])
    expect(handles(await shop.catalog.listProducts({ price: { currency: 'RUB', min: 100_000, max: 150_000 } }))).toEqual(['tee-basic', 'longsleeve'])
    expect(handles(await shop.catalog.listProducts({ price: { currency: 'RUB', max: 90_000, context: { channel: 'site' } } }))).toEqual(['longsleeve', 'mug'])
    expect(handles(await shop.catalog.listProducts({ price: { currency: 'RUB', max: 90_000, context: { channel: 'yandex' } } }))).toEqual(['mug'])
    expect(handles(await shop.catalog.listProducts({ price: { currency: 'USD', max: 90_000 } }))).toEqual([])
    // Price and attributes must hold for the same variant too: the red longsleeve is the cheap one.
    expect(handles(await shop.catalog.listProducts({ attributes: { color: 'blue' }, price: { currency: 'RUB', max: 90_000, context: { channel: 'site' } } }))).toEqual([])

    // Case-insensitive search on names (any script), handles, SKUs and barcodes.
    expect(handles(await shop.catalog.listProducts({ search: 'ФУТБОЛКА' }))).toEqual(['tee-basic'])
    expect(handles(await shop.catalog.listProducts({ search: 'ls-m-blue' }))).toEqual(['longsleeve'])
    expect(handles(await shop.catalog.listProducts({ search: '4600000000017' }))).toEqual(['tee-basic'])
    expect(handles(await shop.catalog.listProducts({ search: '100%' }))).toEqual(['longsleeve'])
    expect(handles(await shop.catalog.listProducts({ search: '_' }))).toEqual([])
    expect(handles(await shop.catalog.listProducts({ search: 'blue', categoryId: mugs.id }))).toEqual([])
  })

  test('listProducts pages with an opaque keyset cursor', async () => {
    const all = handles(await shop.catalog.listProducts({ limit: 200 }))
    expect(all.length).toBeGreaterThanOrEqual(5)
    const seen: string[] = []
    let cursor: string | null | undefined
    let pages = 0
    do {
      const page = await shop.catalog.listProducts({ limit: 2, cursor })
      expect(page.items.length).toBeLessThanOrEqual(2)
      seen.push(...handles(page))
      cursor = page.nextCursor
      pages++
    } while (cursor)
    expect(seen).toEqual(all)
    expect(pages).toBe(Math.ceil(all.length / 2))
    await expect(shop.catalog.listProducts({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('cursor') })
    await expect(shop.catalog.listProducts({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION' })
  })

  test('filters follow attribute changes of products and variants, and variants that move', async () => {
    expect(handles(await shop.catalog.listProducts({ attributes: { organic: true } }))).toEqual(['tee-basic'])
    await shop.catalog.upsertProduct({ handle: 'tee-basic', name: 'Футболка Basic', vatRate: 'vat22', paymentSubject: 'commodity', attributes: { cotton: 95, organic: false } })
    expect(handles(await shop.catalog.listProducts({ attributes: { organic: true } }))).toEqual([])
    expect(handles(await shop.catalog.listProducts({ attributes: { organic: false } }))).toEqual(['tee-basic', 'longsleeve'])
    await shop.catalog.upsertVariant({ sku: 'LS-S-RED', attributes: { size: 'S', color: 'white' } })
    expect(handles(await shop.catalog.listProducts({ attributes: { color: 'white', size: 'S' } }))).toEqual(['longsleeve'])
    // HOOD-XL moved to the mug earlier: it filters as the mug's now.
    expect(handles(await shop.catalog.listProducts({ attributes: { size: 'L', color: 'white' } }))).toEqual(['mug'])
  })

  test('suppliers: links to variants, fastest first', async () => {
    const fast = await shop.catalog.createSupplier({ name: 'Fast Textile', taxId: '7701234567', leadTimeDays: 2, minimumOrder: 1_000_000 })
    const slow = await shop.catalog.createSupplier({ name: 'Slow Textile', leadTimeDays: 10, currency: 'CNY' })
    expect(fast).toMatchObject({ currency: 'RUB', minimumOrder: 1_000_000, active: true, taxId: '7701234567' })
    const blue = (await shop.catalog.getVariantBySku('TEE-M-BLUE'))!
    await shop.catalog.linkSupplierVariant({ supplierId: slow.id, variantId: blue.id, supplierSku: 'ST-1', cost: 500 })
    await shop.catalog.linkSupplierVariant({ supplierId: fast.id, variantId: blue.id, cost: 30_000 })
    const relinked = await shop.catalog.linkSupplierVariant({ supplierId: fast.id, variantId: blue.id, supplierSku: 'FT-9', cost: 28_000 })
    expect(relinked).toMatchObject({ supplierSku: 'FT-9', cost: 28_000 })
    const offers = await shop.catalog.suppliersFor(blue.id)
    expect(offers.map((o) => [o.supplier.name, o.supplierSku, o.cost])).toEqual([
      ['Fast Textile', 'FT-9', 28_000],
      ['Slow Textile', 'ST-1', 500],
    ])
    expect(await shop.catalog.suppliersFor('nope')).toEqual([])
    await expect(shop.catalog.createSupplier({ name: 'X', taxId: '123', leadTimeDays: 1 })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('taxId') })
    await expect(shop.catalog.linkSupplierVariant({ supplierId: 'nope', variantId: blue.id })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect((await shop.catalog.suppliers()).map((s) => s.name)).toEqual(['Fast Textile', 'Slow Textile'])
  })
})
