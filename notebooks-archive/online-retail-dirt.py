# The Python behind notebooks-archive/online-retail-dirt.md (kept for history; nothing
# in the build runs it). Standard library only. From the repository root:
#   python3 notebooks-archive/online-retail-dirt.py <step>
# Steps: overview invoice_format negative_not_c cancellations repeated customer price stock_codes
#        timezone clock_change rules
import csv, glob, gzip, os, re, sys
from collections import Counter, defaultdict
files = sorted(glob.glob('examples/online-retail/data/by-day/*.csv.gz'))
rows = []
for f in files:
    day = os.path.basename(f)[:-len('.csv.gz')]
    with gzip.open(f, 'rt', newline='', encoding='utf-8') as fh:
        r = csv.DictReader(fh)
        header = r.fieldnames
        for n, row in enumerate(r, 1):
            row['_file'] = day; row['_n'] = n
            rows.append(row)
q = sys.argv[1]
if q == 'overview':
    print('files', len(files), os.path.basename(files[0])[:10], '..', os.path.basename(files[-1])[:10])
    print('header', ','.join(header))
    print('rows', len(rows))
elif q == 'invoice_format':
    c = Counter()
    odd = [r for r in rows if not re.fullmatch(r'C?[0-9]{6}', r['InvoiceNo'])]
    print('rows not matching ^C?[0-9]{6}$:', len(odd))
    for r in odd:
        print(r['_file'], r['InvoiceNo'], r['StockCode'], r['Description'], r['Quantity'], r['UnitPrice'], repr(r['CustomerID']))
elif q == 'negative_not_c':
    neg = [r for r in rows if int(r['Quantity']) < 0 and not r['InvoiceNo'].startswith('C')]
    print('negative quantity, invoice not C:', len(neg))
    print('  with empty CustomerID:', sum(1 for r in neg if r['CustomerID'] == ''))
    print('  with UnitPrice 0:', sum(1 for r in neg if float(r['UnitPrice']) == 0))
    d = Counter(r['Description'] for r in neg)
    print('  most common descriptions:')
    for k, v in d.most_common(8): print('   ', v, repr(k))
    pos_c = [r for r in rows if int(r['Quantity']) > 0 and r['InvoiceNo'].startswith('C')]
    print('positive quantity on a C invoice:', len(pos_c))
    zero = [r for r in rows if int(r['Quantity']) == 0]
    print('zero quantity:', len(zero))
elif q == 'cancellations':
    c = [r for r in rows if r['InvoiceNo'].startswith('C')]
    print('lines on C invoices:', len(c), 'of', len(rows), '(%.2f %%)' % (100*len(c)/len(rows)))
    print('distinct C invoices:', len(set(r['InvoiceNo'] for r in c)))
    print('C lines with negative quantity:', sum(1 for r in c if int(r['Quantity']) < 0))
    print('C lines with empty CustomerID:', sum(1 for r in c if r['CustomerID'] == ''))
    d = Counter(r['StockCode'] for r in c)
    print('most common stock codes on C lines:', d.most_common(5))
elif q == 'repeated':
    key = Counter((r['InvoiceNo'], r['StockCode'], r['Quantity'], r['UnitPrice']) for r in rows)
    extra = sum(v - 1 for v in key.values() if v > 1)
    print('distinct (InvoiceNo, StockCode, Quantity, UnitPrice):', len(key))
    print('keys seen more than once:', sum(1 for v in key.values() if v > 1))
    print('extra rows beyond the first of each key:', extra)
    full = Counter(tuple(r[h] for h in header) for r in rows)
    print('extra rows that repeat a whole line (all 8 columns):', sum(v - 1 for v in full.values() if v > 1))
    print('max repeats of one key:', max(key.values()))
    same_inv_prod = Counter((r['InvoiceNo'], r['StockCode']) for r in rows)
    print('(InvoiceNo, StockCode) pairs on more than one line:', sum(1 for v in same_inv_prod.values() if v > 1))
    ex = [k for k, v in key.items() if v > 1][:3]
    for k in ex:
        for r in rows:
            if (r['InvoiceNo'], r['StockCode'], r['Quantity'], r['UnitPrice']) == k:
                print('  ', r['_file'], 'line', r['_n'], ','.join(r[h] for h in header))
elif q == 'customer':
    empty = sum(1 for r in rows if r['CustomerID'] == '')
    print('empty CustomerID:', empty, '(%.1f %%)' % (100*empty/len(rows)))
    forms = Counter('float like 17850.0' if re.fullmatch(r'[0-9]+\.0', r['CustomerID']) else ('empty' if r['CustomerID']=='' else 'other') for r in rows)
    print('forms:', dict(forms))
    ids = [int(float(r['CustomerID'])) for r in rows if r['CustomerID']]
    print('min, max id:', min(ids), max(ids), 'distinct:', len(set(ids)))
    print('outside 10000..99999:', sum(1 for i in ids if not 10000 <= i <= 99999))
elif q == 'price':
    p = [float(r['UnitPrice']) for r in rows]
    print('UnitPrice < 0:', sum(1 for x in p if x < 0))
    print('UnitPrice = 0:', sum(1 for x in p if x == 0))
    print('UnitPrice > 50000:', sum(1 for x in p if x > 50000))
    print('max UnitPrice:', max(p))
    big = sorted(rows, key=lambda r: -float(r['UnitPrice']))[:5]
    for r in big: print('  ', r['_file'], r['InvoiceNo'], r['StockCode'], r['Description'], r['Quantity'], r['UnitPrice'])
    z = [r for r in rows if float(r['UnitPrice']) == 0]
    print('UnitPrice 0 lines with empty CustomerID:', sum(1 for r in z if r['CustomerID'] == ''))
elif q == 'stock_codes':
    nonprod = Counter(r['StockCode'] for r in rows if not re.match(r'^[0-9]{5}', r['StockCode']))
    print('lines whose StockCode does not start with 5 digits:', sum(nonprod.values()))
    for k, v in nonprod.most_common(12): print('  ', v, k)
elif q == 'timezone':
    # Opening hour of the shop's invoicing by month: local time would keep it steady across the
    # clock change on 2011-03-27; UTC would shift it by an hour.
    first = defaultdict(lambda: '99')
    hours = defaultdict(Counter)
    for r in rows:
        t = r['InvoiceDate']; m = t[:7]
        hours[m][int(t[11:13])] += 1
    for m in sorted(hours):
        h = hours[m]
        print(m, 'earliest hour', min(h), 'latest hour', max(h), 'busiest hour', h.most_common(1)[0][0])
    fmt = Counter('ok' if re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d', r['InvoiceDate']) else r['InvoiceDate'] for r in rows)
    print('InvoiceDate format yyyy-MM-dd HH:mm:ss:', dict(fmt))
    mism = sum(1 for r in rows if r['InvoiceDate'][:10] != r['_file'])
    print("rows whose InvoiceDate day differs from the file's day:", mism)
elif q == 'rules':
    # The project's rules, applied as the ingestion applies them (a row may fail several).
    fail = Counter(); quarantined = 0; valid = []
    for r in rows:
        f = []
        if not re.fullmatch(r'^C?[0-9]{6}$', r['InvoiceNo']): f.append('invoice_no_format')
        p = float(r['UnitPrice'])
        if not 0 <= p <= 50000: f.append('unit_price_in_range')
        qn = int(r['Quantity']); c = r['InvoiceNo'].startswith('C')
        if not ((qn > 0 and not c) or (qn < 0 and c)): f.append('quantity_sign_matches_invoice')
        if r['CustomerID']:
            i = int(float(r['CustomerID']))
            if not 10000 <= i <= 99999: f.append('customer_id_range')
        for x in f: fail[x] += 1
        if f: quarantined += 1
        else: valid.append(r)
    seen = set(); dup = 0
    for r in valid:  # files in date order, lines in file order: the first valid one wins
        k = (r['InvoiceNo'], r['StockCode'], int(r['Quantity']), float(r['UnitPrice']))
        if k in seen: dup += 1
        else: seen.add(k)
    print('read', len(rows), '= accepted', len(rows) - quarantined - dup, '+ quarantined', quarantined, '+ duplicate', dup)
    print('rule failures:', dict(fail))
if q == 'clock_change':
    # First invoice of each trading day, in minutes after midnight as written in the file,
    # for the four weeks before and after the UK clock change (Sunday 2011-03-27, 01:00 GMT).
    import statistics
    first = {}
    for r in rows:
        d = r['_file']; t = r['InvoiceDate'][11:16]
        if d not in first or t < first[d]: first[d] = t
    def mins(t): return int(t[:2]) * 60 + int(t[3:5])
    before = [mins(t) for d, t in first.items() if '2011-02-27' <= d < '2011-03-27']
    after = [mins(t) for d, t in first.items() if '2011-03-27' <= d < '2011-04-24']
    for name, xs in (('before', before), ('after', after)):
        m = statistics.median(xs)
        print(name, 'days', len(xs), 'median first invoice %02d:%02d' % (m // 60, m % 60))
