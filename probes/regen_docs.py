import re
from model.parameters import markdown_table, parameter_table
from model.components import process_overview
p='docs/model.md'; s=open(p).read()
s=re.sub(r'(<!-- parameter-table:start -->\n)(.*?)(\n<!-- parameter-table:end -->)', lambda m: m.group(1)+markdown_table(parameter_table()).strip()+m.group(3), s, flags=re.S)
s=re.sub(r'(<!-- process-overview:start -->\n)(.*?)(\n<!-- process-overview:end -->)', lambda m: m.group(1)+process_overview().strip()+m.group(3), s, flags=re.S)
open(p,'w').write(s)
