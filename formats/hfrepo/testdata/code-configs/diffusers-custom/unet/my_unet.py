from diffusers import ModelMixin

class MyUNet(ModelMixin):
    pass
