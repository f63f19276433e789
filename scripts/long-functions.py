#!/usr/bin/env python3
"""Lists functions outside #[cfg(test)] modules longer than LIMIT lines (default 150).

Usage: scripts/long-functions.py [SRC_DIR] [LIMIT]. Prints nothing when every function fits;
test-only files (src/extract/tests.rs) are skipped."""
import os
import re
import sys

SRC=sys.argv[1] if len(sys.argv)>1 else 'src'
LIMIT=int(sys.argv[2]) if len(sys.argv)>2 else 150
for root,_,files in os.walk(SRC):
    for fn in files:
        if not fn.endswith('.rs') or fn == 'tests.rs': continue
        path=os.path.join(root,fn); lines=open(path).read().split('\n')
        in_test=False; test_depth=None; depth=0; stack=[]
        i=0
        while i<len(lines):
            l=lines[i]; s=l.strip()
            if s.startswith('#[cfg(test)]'):
                in_test=True; test_depth=depth
            m=re.match(r'\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)',l)
            if m and not in_test:
                # find opening brace
                j=i; d=0; started=False
                while j<len(lines):
                    code=re.sub(r'"(\\.|[^"\\])*"','""',lines[j]); code=re.sub(r"'(\\.|[^'\\])'","''",code); code=code.split('//')[0]
                    for ch in code:
                        if ch=='{': d+=1; started=True
                        elif ch=='}': d-=1
                    if started and d==0: break
                    if not started and code.rstrip().endswith(';'): break
                    j+=1
                if started and j-i+1>LIMIT: print(f"{j-i+1:5d} {path}:{i+1} {m.group(6)}")
            code=re.sub(r'"(\\.|[^"\\])*"','""',l); code=re.sub(r"'(\\.|[^'\\])'","''",code); code=code.split('//')[0]
            for ch in code:
                if ch=='{': depth+=1
                elif ch=='}':
                    depth-=1
                    if in_test and depth==test_depth: in_test=False
            i+=1
