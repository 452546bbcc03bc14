#!/usr/bin/env python3
"""RECORDS=DIR cards.py KEY...: the distinct input/output signatures of the cards whose
`<module|app>:<key>` contains KEY in the survey records (see README.md), with the records
that use each."""
import glob
import json
import os
import sys
def walk(f, fn, t):
    for m in f.get('cards',[]):
        fn(m,t)
        for i in m.get('inputs',[]):
            if i.get('type')=='flo' and isinstance(i.get('data'),dict): walk(i['data'],fn,t)
        p=m.get('policy') or {}
        if isinstance(p,dict) and isinstance(p.get('flo'),dict): walk(p['flo'],fn,t)
seen={}
def show(m,t):
    a=m['address'].split(':')
    k=a[2]+':'+a[-1] if a[1]=='kernel' else (a[3]+':'+a[-1] if len(a)>3 else m['address'])
    if any(q in k for q in sys.argv[1:]):
        sig=(k, m.get('kind_name'), tuple((i.get('group'),i.get('key'),str(i.get('data'))[:60]) for i in m.get('inputs',[])), tuple((o.get('group'),o.get('key')) for o in m.get('outputs',[])))
        seen.setdefault(sig,[]).append(t)
for f in sorted(glob.glob(os.path.join(os.environ['RECORDS'], '*.json'))):
    t=f.split('/')[-1][:-5]
    try: r=json.load(open(f))
    except Exception as e: print('BAD',f,e); continue
    for fl in r.get('flows',[]): walk(fl, show, t)
for sig,ts in seen.items():
    print(sig[0], '|', sig[1]); print('   in:', sig[2]); print('   out:', sig[3]); print('   templates:', sorted(set(ts)))
