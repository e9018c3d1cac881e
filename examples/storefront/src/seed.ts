import type { CatalogImportRow, Commerce } from '@ordo/core'

/** A small deterministic random source, so every fresh demo shop looks the same. */
function random(seed: number) {
  let state = seed
  return (max: number) => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state % max
  }
}

const COLORS = { white: 'белый', black: 'чёрный', blue: 'синий', grey: 'серый', green: 'зелёный', red: 'красный', beige: 'бежевый', navy: 'тёмно-синий' } as const
type Color = keyof typeof COLORS

interface Model {
  handle: string
  name: string
  category: string
  price: number
  oldPrice?: number
  sizes: readonly string[]
  colors: readonly Color[]
  material: string
  weightGrams: number
  dropship?: boolean
}

const ALL_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'] as const
const MODELS: readonly Model[] = [
  { handle: 'tee-basic', name: 'Футболка Basic', category: 'tees', price: 99_000, sizes: ALL_SIZES, colors: ['white', 'black', 'grey'], material: 'хлопок 100%', weightGrams: 180 },
  { handle: 'tee-oversize', name: 'Футболка Oversize', category: 'tees', price: 149_000, oldPrice: 189_000, sizes: ALL_SIZES, colors: ['black', 'green', 'blue'], material: 'хлопок 100%', weightGrams: 220 },
  { handle: 'tee-polo', name: 'Поло Classic', category: 'tees', price: 219_000, sizes: ['S', 'M', 'L', 'XL', 'XXL'], colors: ['white', 'blue'], material: 'пике', weightGrams: 240 },
  { handle: 'longsleeve', name: 'Лонгслив Stripe', category: 'tees', price: 179_000, sizes: ['S', 'M', 'L', 'XL'], colors: ['white', 'red'], material: 'хлопок 95%, эластан 5%', weightGrams: 260 },
  { handle: 'hoodie-zip', name: 'Худи на молнии', category: 'hoodies', price: 459_000, sizes: ['S', 'M', 'L', 'XL', 'XXL'], colors: ['grey', 'black', 'green'], material: 'футер трёхнитка', weightGrams: 620 },
  { handle: 'hoodie-classic', name: 'Худи Classic', category: 'hoodies', price: 389_000, oldPrice: 449_000, sizes: ['XS', 'S', 'M', 'L', 'XL'], colors: ['grey', 'blue', 'red'], material: 'футер с начёсом', weightGrams: 580 },
  { handle: 'sweatshirt', name: 'Свитшот Campus', category: 'hoodies', price: 329_000, sizes: ['S', 'M', 'L', 'XL'], colors: ['grey', 'green'], material: 'футер', weightGrams: 480 },
  { handle: 'jeans-straight', name: 'Джинсы Straight', category: 'jeans', price: 499_000, sizes: ['S', 'M', 'L', 'XL'], colors: ['blue', 'black'], material: 'деним 12 oz', weightGrams: 700 },
  { handle: 'jeans-slim', name: 'Джинсы Slim', category: 'jeans', price: 529_000, sizes: ['XS', 'S', 'M', 'L'], colors: ['blue', 'grey'], material: 'деним стрейч', weightGrams: 650 },
  { handle: 'socks-everyday', name: 'Носки Everyday', category: 'socks', price: 29_900, sizes: ['S', 'M', 'L'], colors: ['white', 'black', 'grey', 'blue'], material: 'хлопок 80%', weightGrams: 40 },
  { handle: 'socks-sport', name: 'Носки Sport', category: 'socks', price: 34_900, sizes: ['S', 'M', 'L'], colors: ['white', 'black', 'red'], material: 'хлопок, полиамид', weightGrams: 45 },
  { handle: 'cap-baseball', name: 'Кепка Baseball', category: 'caps', price: 119_000, sizes: ['M'], colors: ['black', 'blue', 'red', 'green'], material: 'твил', weightGrams: 90 },
  { handle: 'beanie', name: 'Шапка Beanie', category: 'caps', price: 89_000, sizes: ['M'], colors: ['black', 'grey', 'red'], material: 'шерсть 30%', weightGrams: 80 },
  { handle: 'tote-bag', name: 'Сумка-шоппер', category: 'bags', price: 69_000, sizes: ['M'], colors: ['white', 'black'], material: 'канвас', weightGrams: 200, dropship: true },
  { handle: 'backpack', name: 'Рюкзак City', category: 'bags', price: 389_000, sizes: ['M'], colors: ['black', 'grey'], material: 'кордура', weightGrams: 900, dropship: true },
  // Listed after the first fifteen so that their seeded stock, rolled in this order, stays the same.
  { handle: 'shirt-oxford', name: 'Рубашка Oxford', category: 'shirts', price: 349_000, sizes: ALL_SIZES, colors: ['white', 'blue', 'navy', 'beige'], material: 'хлопок оксфорд', weightGrams: 300 },
  { handle: 'shirt-flannel', name: 'Рубашка Flannel', category: 'shirts', price: 389_000, oldPrice: 429_000, sizes: ['S', 'M', 'L', 'XL'], colors: ['red', 'navy', 'grey'], material: 'фланель', weightGrams: 340 },
  { handle: 'sweater-knit', name: 'Свитер Knit', category: 'hoodies', price: 559_000, sizes: ['XS', 'S', 'M', 'L', 'XL'], colors: ['beige', 'navy', 'grey', 'white'], material: 'шерсть 50%, хлопок 50%', weightGrams: 520 },
  { handle: 'chinos', name: 'Брюки Chino', category: 'trousers', price: 449_000, sizes: ['S', 'M', 'L', 'XL', 'XXL'], colors: ['beige', 'navy', 'black'], material: 'хлопок твил', weightGrams: 560 },
  { handle: 'cargo', name: 'Брюки Cargo', category: 'trousers', price: 479_000, sizes: ['S', 'M', 'L', 'XL'], colors: ['black', 'beige'], material: 'рипстоп', weightGrams: 620 },
  { handle: 'shorts-chino', name: 'Шорты Chino', category: 'trousers', price: 259_000, sizes: ALL_SIZES, colors: ['beige', 'navy', 'white'], material: 'хлопок', weightGrams: 300 },
  { handle: 'windbreaker', name: 'Ветровка Windbreaker', category: 'outerwear', price: 689_000, sizes: ['S', 'M', 'L', 'XL', 'XXL'], colors: ['black', 'navy', 'beige'], material: 'нейлон', weightGrams: 450 },
  { handle: 'puffer', name: 'Пуховик Puffer', category: 'outerwear', price: 1_290_000, oldPrice: 1_590_000, sizes: ['S', 'M', 'L', 'XL'], colors: ['black', 'beige', 'navy'], material: 'полиэстер, пух 80%', weightGrams: 1100 },
  { handle: 'dress-midi', name: 'Платье Midi', category: 'dresses', price: 499_000, sizes: ['XS', 'S', 'M', 'L'], colors: ['black', 'beige', 'navy', 'white'], material: 'вискоза', weightGrams: 320 },
  { handle: 'skirt-pleated', name: 'Юбка плиссе', category: 'dresses', price: 369_000, sizes: ['XS', 'S', 'M', 'L'], colors: ['black', 'beige', 'grey'], material: 'полиэстер', weightGrams: 280 },
]

/**
 * Fills an empty shop with the demo clothing store: categories, attributes,
 * about three hundred SKUs in sizes and colours with prices, stock in two
 * warehouses and a showroom, a drop-ship supplier (bags), and a few
 * promotions. Does nothing when the
 * catalog already has products. Returns what it created.
 */
export async function seedDemoShop(shop: Commerce): Promise<{ products: number; skus: number } | undefined> {
  const existing = await shop.catalog.listProducts({ limit: 1, status: 'any' })
  if (existing.items.length > 0) return undefined

  const clothing = await shop.catalog.createCategory({ slug: 'clothing', name: 'Одежда', position: 1 })
  const accessories = await shop.catalog.createCategory({ slug: 'accessories', name: 'Аксессуары', position: 2 })
  const categories = [
    { slug: 'tees', name: 'Футболки', parentId: clothing.id },
    { slug: 'hoodies', name: 'Худи и свитшоты', parentId: clothing.id },
    { slug: 'shirts', name: 'Рубашки', parentId: clothing.id },
    { slug: 'jeans', name: 'Джинсы', parentId: clothing.id },
    { slug: 'trousers', name: 'Брюки и шорты', parentId: clothing.id },
    { slug: 'outerwear', name: 'Верхняя одежда', parentId: clothing.id },
    { slug: 'dresses', name: 'Платья и юбки', parentId: clothing.id },
    { slug: 'socks', name: 'Носки', parentId: clothing.id },
    { slug: 'caps', name: 'Головные уборы', parentId: accessories.id },
    { slug: 'bags', name: 'Сумки и рюкзаки', parentId: accessories.id },
  ]
  const categoryIds: Record<string, string> = {}
  for (const [position, category] of categories.entries()) {
    categoryIds[category.slug] = (await shop.catalog.createCategory({ ...category, position })).id
  }
  await shop.catalog.defineAttribute({ code: 'size', name: 'Размер', type: 'option', options: [...ALL_SIZES], filterable: true })
  await shop.catalog.defineAttribute({ code: 'color', name: 'Цвет', type: 'option', options: Object.keys(COLORS), filterable: true })
  await shop.catalog.defineAttribute({ code: 'material', name: 'Состав', type: 'text', filterable: false })

  const rows: CatalogImportRow[] = MODELS.flatMap((model) =>
    model.colors.flatMap((color) =>
      model.sizes.map((size) => ({
        handle: model.handle,
        name: model.name,
        description: `${model.name}. Состав: ${model.material}.`,
        categories: [model.category],
        attributes: { material: model.material },
        vatRate: 'vat22' as const,
        paymentSubject: 'commodity' as const,
        sku: `${model.handle}-${color}-${size}`.toUpperCase(),
        variantName: model.sizes.length > 1 ? `${size} / ${COLORS[color]}` : COLORS[color],
        variantAttributes: { size, color },
        weightGrams: model.weightGrams,
        dimensions: { lengthMm: 300, widthMm: 250, heightMm: 40 },
        costPrice: Math.round(model.price * 0.45),
        prices: [{ priceList: 'base-RUB', amount: model.price, ...(model.oldPrice ? { compareAt: model.oldPrice } : {}) }],
      })),
    ),
  )
  const imported = await shop.catalog.import(rows)
  if (imported.failed.length > 0) {
    throw new Error(`The demo catalog did not import: ${JSON.stringify(imported.failed.slice(0, 3))}`)
  }

  const moscow = await shop.inventory.createLocation({ code: 'msk-main', name: 'Склад Москва', type: 'warehouse', priority: 1 })
  const spb = await shop.inventory.createLocation({ code: 'spb', name: 'Склад Санкт-Петербург', type: 'warehouse', regions: ['spb', 'len'], priority: 2 })
  const showroom = await shop.inventory.createLocation({ code: 'showroom', name: 'Шоурум на Покровке', type: 'showroom', pickup: true, regions: ['msk'], priority: 3 })
  const supplier = await shop.inventory.createLocation({ code: 'bags-supplier', name: 'Поставщик сумок (дропшиппинг)', type: 'supplier', unlimited: true, leadTimeDays: 3 })
  const bagsSupplier = await shop.catalog.createSupplier({ name: 'ООО «Сумки Оптом»', taxId: '7701234567', leadTimeDays: 3, minimumOrder: 1_000_000 })

  const roll = random(42)
  const skus = rows.map((r) => r.sku)
  const variants = await Promise.all(skus.map((sku) => shop.catalog.getVariantBySku(sku)))
  for (const variant of variants) {
    if (!variant) continue
    const model = MODELS.find((m) => m.handle === variant.product.handle)
    if (model?.dropship) {
      // Shipped by the supplier straight to the customer: listed with its article and cost there.
      await shop.catalog.linkSupplierVariant({ supplierId: bagsSupplier.id, variantId: variant.id, supplierSku: `SO-${variant.sku}`, cost: Math.round(model.price * 0.45) })
      await shop.inventory.adjust({ variantId: variant.id, locationId: supplier.id, delta: 1, reason: 'receipt', key: `seed:${variant.sku}:supplier` })
      continue
    }
    for (const [location, max] of [[moscow, 12], [spb, 6], [showroom, 3]] as const) {
      const quantity = roll(max)
      if (quantity > 0) {
        await shop.inventory.receive({ variantId: variant.id, locationId: location.id, delta: quantity, key: `seed:${variant.sku}:${location.code}` })
      }
    }
  }

  await shop.promotions.create({
    name: '3 пары носков по цене 2',
    kind: 'cart',
    priority: 10,
    conditions: [{ type: 'category', categoryIds: [categoryIds.socks!] }],
    benefits: [{ type: 'buy_x_get_y', buy: 2, get: 1 }],
  })
  const welcome = await shop.promotions.create({
    name: 'Скидка 10% по промокоду',
    kind: 'cart',
    priority: 20,
    requiresCoupon: true,
    conditions: [{ type: 'cart_subtotal', min: 300_000 }],
    benefits: [{ type: 'percent_off_order', percent: 10 }],
  })
  await shop.promotions.createCoupon({ promotionId: welcome.id, code: 'WELCOME10', perCustomerLimit: 1 })
  await shop.promotions.create({
    name: 'Бесплатная доставка от 5 000 ₽',
    kind: 'cart',
    priority: 30,
    conditions: [{ type: 'cart_subtotal', min: 500_000 }],
    benefits: [{ type: 'free_delivery' }],
  })
  return { products: MODELS.length, skus: rows.length }
}
