"""scikit-learn's TF-IDF (word 1-2 + char_wb 2-5, sublinear) + logistic regression on the same
Banking77 split as classifier.bench.ts, for orientation. Not part of CI (needs python3-sklearn):

    apt-get install python3-sklearn
    node --conditions=@catena/source bench/ml/write-split.ts
    /usr/bin/python3 bench/ml/sklearn-peer.py   # Debian's python3, where python3-sklearn is
"""
import json
import os
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

here = os.path.join(os.path.dirname(__file__), "out")


def read(name):
    with open(os.path.join(here, name + ".jsonl")) as f:
        rows = [json.loads(line) for line in f]
    return [r["text"] for r in rows], [r["label"] for r in rows]


train_x, train_y = read("train")
dev_x, dev_y = read("dev")
print(f"train {len(train_x)}, dev {len(dev_x)}")
for c in (5, 10, 20, 50):
    model = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LogisticRegression(C=c, max_iter=2000),
    )
    t0 = time.perf_counter()
    c0 = time.process_time()
    model.fit(train_x, train_y)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    accuracy = sum(p == y for p, y in zip(model.predict(dev_x), dev_y)) / len(dev_y)
    print(f"C={c}: dev accuracy {100 * accuracy:.2f}%, train {wall:.1f} s wall, {cpu:.1f} s CPU")
