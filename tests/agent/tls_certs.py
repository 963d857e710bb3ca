#!/usr/bin/env python3
"""Throwaway TLS material for tests, made with the `openssl` command-line tool: a CA, a server
certificate it signed (for 127.0.0.1 and localhost), one it signed for another host name only
(wrong-host.test), and a self-signed certificate that no test trusts. Python 3 standard library
only.

    make_certs(dir) -> {"ca": ca.pem, "cert": server.pem, "key": server.key,
                        "untrusted_cert": self.pem, "untrusted_key": self.key,
                        "wrong_host_cert": other.pem, "wrong_host_key": other.key}
    python3 tls_certs.py DIR   prints that mapping as JSON
"""
import json
import os
import subprocess
import sys


NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]  # quick to make


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_certs(directory, names=("127.0.0.1", "localhost")):
    """Writes the files into `directory` (which must exist) and returns their paths."""
    san = ",".join(("IP:" if n.replace(".", "").isdigit() else "DNS:") + n for n in names)
    with open(os.path.join(directory, "server.ext"), "w") as f:
        f.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    _openssl("req", "-x509", *NEW_KEY, "-nodes", "-keyout", "ca.key", "-out",
             "ca.pem", "-days", "2", "-subj", "/CN=threadlog test CA", cwd=directory)
    _openssl("req", *NEW_KEY, "-nodes", "-keyout", "server.key", "-out",
             "server.csr", "-subj", "/CN=127.0.0.1", cwd=directory)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
             cwd=directory)
    with open(os.path.join(directory, "other.ext"), "w") as f:
        f.write("subjectAltName=DNS:wrong-host.test\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    _openssl("req", *NEW_KEY, "-nodes", "-keyout", "other.key", "-out",
             "other.csr", "-subj", "/CN=wrong-host.test", cwd=directory)
    _openssl("x509", "-req", "-in", "other.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "other.pem", "-days", "2", "-extfile", "other.ext",
             cwd=directory)
    _openssl("req", "-x509", *NEW_KEY, "-nodes", "-keyout", "self.key", "-out",
             "self.pem", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
             f"subjectAltName={san}", cwd=directory)
    p = lambda name: os.path.join(directory, name)  # noqa: E731
    return {"ca": p("ca.pem"), "cert": p("server.pem"), "key": p("server.key"),
            "untrusted_cert": p("self.pem"), "untrusted_key": p("self.key"),
            "wrong_host_cert": p("other.pem"), "wrong_host_key": p("other.key")}


def server_context(cert, key):
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    print(json.dumps(make_certs(sys.argv[1])))
