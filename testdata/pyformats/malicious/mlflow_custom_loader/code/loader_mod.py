import pickle


def _load_pyfunc(path):
    with open(path, 'rb') as f:
        return pickle.load(f)
