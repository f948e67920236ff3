import mlflow
from mlflow.models import set_model

class M(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input

set_model(M())
